import { json } from '@sveltejs/kit';
import { apiUser, problem } from '$lib/server/api.ts';
import { RUN_STARTERS } from '$lib/roles.ts';
import { testTargetConnections } from '$lib/server/target-connections.ts';
import type { RequestHandler } from './$types';

/**
 * "Test connection": whoever may start runs may ask whether the target's databases and URLs can
 * be reached. A failure to reach one is a finding (200 with `ok: false`), not an error of this call.
 */
export const POST: RequestHandler = async ({ locals, params }) => {
	const caller = apiUser(locals, ...RUN_STARTERS);
	if (caller instanceof Response) return caller;
	const result = await testTargetConnections(params.name);
	if (!result) return problem(404, 'Not Found', `No target "${params.name}".`);
	return json(result, { headers: { 'cache-control': 'no-store' } });
};
