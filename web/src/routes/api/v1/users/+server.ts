import { json } from '@sveltejs/kit';
import { apiUser, parseJsonBody, problem } from '$lib/server/api.ts';
import { userJson } from '$lib/server/user-json.ts';
import { createUser, listUsers, newUserSchema, UserExistsError, UserUpdateRefusedError } from '$lib/server/users.ts';
import type { RequestHandler } from './$types';

export const GET: RequestHandler = async ({ locals }) => {
	const caller = apiUser(locals, 'admin');
	if (caller instanceof Response) return caller;
	const users = await listUsers();
	return json({ users: users.map(userJson) });
};

export const POST: RequestHandler = async ({ locals, request }) => {
	const caller = apiUser(locals, 'admin');
	if (caller instanceof Response) return caller;
	const input = await parseJsonBody(request, newUserSchema);
	if (input instanceof Response) return input;
	try {
		const user = await createUser(input, caller.username);
		return json({ user: userJson(user) }, { status: 201 });
	} catch (err) {
		if (err instanceof UserExistsError) {
			return problem(409, 'Conflict', err.message, [{ path: 'username', message: 'is already taken' }]);
		}
		if (err instanceof UserUpdateRefusedError) return problem(422, 'Unprocessable Content', err.message, [{ path: err.path, message: err.message }]);
		throw err;
	}
};
