import { json } from '@sveltejs/kit';
import { apiUser, problem } from '$lib/server/api.ts';
import { RUNBOOK_READERS } from '$lib/roles.ts';
import { getRunbook } from '$lib/server/runbooks.ts';
import type { RequestHandler } from './$types';

export const GET: RequestHandler = async ({ locals, params, url }) => {
	const caller = apiUser(locals, ...RUNBOOK_READERS);
	if (caller instanceof Response) return caller;
	const version = url.searchParams.get('version');
	if (version !== null && !/^\d+$/.test(version)) return problem(400, 'Bad Request', 'version must be a positive integer', [{ path: 'version', message: 'must be a positive integer' }]);
	const runbook = await getRunbook(params.name, version === null ? undefined : Number(version));
	if (!runbook) return problem(404, 'Not Found', `No runbook "${params.name}"${version ? ` version ${version}` : ''}.`);
	return json(runbook);
};
