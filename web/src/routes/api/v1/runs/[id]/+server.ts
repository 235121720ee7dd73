import { json } from '@sveltejs/kit';
import { apiUser, problem } from '$lib/server/api.ts';
import { RUNBOOK_READERS } from '$lib/roles.ts';
import { getRunView } from '$lib/server/views/runs.ts';
import type { RequestHandler } from './$types';

export const GET: RequestHandler = async ({ locals, params }) => {
	const caller = apiUser(locals, ...RUNBOOK_READERS);
	if (caller instanceof Response) return caller;
	const run = await getRunView(params.id);
	if (!run) return problem(404, 'Not Found', `No run "${params.id}".`);
	return json(run, { headers: { 'cache-control': 'no-store' } });
};
