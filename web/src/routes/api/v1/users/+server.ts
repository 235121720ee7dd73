import { json } from '@sveltejs/kit';
import { apiUser, parseJsonBody, problem } from '$lib/server/api.ts';
import { createUser, listUsers, newUserSchema, UserExistsError, type UserSummary } from '$lib/server/users.ts';
import type { RequestHandler } from './$types';

const toJson = (user: UserSummary) => ({ ...user, createdAt: user.createdAt.toISOString() });

export const GET: RequestHandler = async ({ locals }) => {
	const caller = apiUser(locals, 'admin');
	if (caller instanceof Response) return caller;
	const users = await listUsers();
	return json({ users: users.map(toJson) });
};

export const POST: RequestHandler = async ({ locals, request }) => {
	const caller = apiUser(locals, 'admin');
	if (caller instanceof Response) return caller;
	const input = await parseJsonBody(request, newUserSchema);
	if (input instanceof Response) return input;
	try {
		const user = await createUser(input, caller.username);
		return json({ user: toJson(user) }, { status: 201 });
	} catch (err) {
		if (err instanceof UserExistsError) {
			return problem(409, 'Conflict', err.message, [{ path: 'username', message: 'is already taken' }]);
		}
		throw err;
	}
};
