import { json } from '@sveltejs/kit';
import { apiUser } from '$lib/server/api.ts';
import { RUNBOOK_READERS } from '$lib/roles.ts';
import { listRunbooks } from '$lib/server/runbooks.ts';
import type { RequestHandler } from './$types';

export const GET: RequestHandler = async ({ locals }) => {
	const caller = apiUser(locals, ...RUNBOOK_READERS);
	if (caller instanceof Response) return caller;
	return json({ runbooks: await listRunbooks() });
};
