import { json } from '@sveltejs/kit';
import { apiUser, parseJsonBody, problem } from '$lib/server/api.ts';
import { userJson } from '$lib/server/user-json.ts';
import { getUser, updateUser, userUpdateSchema, UserNotFoundError, UserUpdateRefusedError } from '$lib/server/users.ts';
import type { RequestHandler } from './$types';

export const GET: RequestHandler = async ({ locals, params }) => {
	const caller = apiUser(locals, 'admin');
	if (caller instanceof Response) return caller;
	const user = await getUser(params.username);
	return user ? json({ user: userJson(user) }) : problem(404, 'Not Found', `No user "${params.username}".`);
};

/**
 * Changes a user: `displayName`, `email`, `roles` (replaced whole), `manager` (a username, or
 * null), `disabled`. Each change is audited; disabling ends their sessions and stops their tokens.
 */
export const PATCH: RequestHandler = async ({ locals, params, request }) => {
	const caller = apiUser(locals, 'admin');
	if (caller instanceof Response) return caller;
	const update = await parseJsonBody(request, userUpdateSchema);
	if (update instanceof Response) return update;
	try {
		return json({ user: userJson(await updateUser(params.username, update, caller)) });
	} catch (error) {
		if (error instanceof UserNotFoundError) return problem(404, 'Not Found', `No user "${params.username}".`);
		if (error instanceof UserUpdateRefusedError) return problem(409, 'Conflict', error.message, [{ path: error.path, message: error.message }]);
		throw error;
	}
};
