import { apiUser, problem } from '$lib/server/api.ts';
import { removeSecondFactor } from '$lib/server/mfa.ts';
import type { RequestHandler } from './$types';

/** Removes a user's second factor and recovery codes (a lost phone); if their roles require one, they enrol again at the next sign-in. */
export const DELETE: RequestHandler = async ({ locals, params }) => {
	const caller = apiUser(locals, 'admin');
	if (caller instanceof Response) return caller;
	if (!(await removeSecondFactor(params.username, caller.username))) return problem(404, 'Not Found', `No user "${params.username}".`);
	return new Response(null, { status: 204 });
};
