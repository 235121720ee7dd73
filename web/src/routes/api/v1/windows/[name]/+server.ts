import { json } from '@sveltejs/kit';
import { apiUser, problem } from '$lib/server/api.ts';
import { RUNBOOK_READERS } from '$lib/roles.ts';
import { getWindowView } from '$lib/server/windows.ts';
import type { RequestHandler } from './$types';

export const GET: RequestHandler = async ({ locals, params }) => {
	const caller = apiUser(locals, ...RUNBOOK_READERS);
	if (caller instanceof Response) return caller;
	const window = await getWindowView(params.name, new Date(), 5);
	if (!window) return problem(404, 'Not Found', `No window "${params.name}".`);
	return json(window);
};
