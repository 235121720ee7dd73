import { route } from '$lib/server/contract/route.ts';
import { testTargetConnections } from '$lib/server/target-connections.ts';
import * as contract from './contract.ts';

/** "Test connection": a failure to reach a database or URL is a finding (200 with `ok: false`), not an error of this call. */
export const POST = route(contract.POST, async ({ params, json, problem }) => {
	const result = await testTargetConnections(params.name);
	if (!result) return problem(404, `No target "${params.name}".`);
	return json(200, result, { 'cache-control': 'no-store' });
});
