import { json } from '@sveltejs/kit';
import { apiUser } from '$lib/server/api.ts';
import { RUNBOOK_READERS } from '$lib/roles.ts';
import { listRuns } from '$lib/server/views/runs.ts';
import type { RequestHandler } from './$types';

export const GET: RequestHandler = async ({ locals, url }) => {
	const caller = apiUser(locals, ...RUNBOOK_READERS);
	if (caller instanceof Response) return caller;
	const limit = Math.min(Math.max(Number(url.searchParams.get('limit')) || 50, 1), 200);
	return json({ runs: await listRuns({ limit }) });
};
