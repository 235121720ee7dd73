import { json } from '@sveltejs/kit';
import { apiUser, problem } from '$lib/server/api.ts';
import { RUNBOOK_READERS } from '$lib/roles.ts';
import { listVersions } from '$lib/server/runbooks.ts';
import type { RequestHandler } from './$types';

export const GET: RequestHandler = async ({ locals, params }) => {
	const caller = apiUser(locals, ...RUNBOOK_READERS);
	if (caller instanceof Response) return caller;
	const versions = await listVersions(params.name);
	if (!versions) return problem(404, 'Not Found', `No runbook "${params.name}".`);
	return json({ versions });
};
