import { route } from '$lib/server/contract/route.ts';
import { getRunView } from '$lib/server/views/runs.ts';
import * as contract from './contract.ts';

export const GET = route(contract.GET, async ({ params, json, problem }) => {
	const run = await getRunView(params.id);
	if (!run) return problem(404, `No run "${params.id}".`);
	return json(200, run, { 'cache-control': 'no-store' });
});
