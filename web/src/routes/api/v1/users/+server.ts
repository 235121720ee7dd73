import { route } from '$lib/server/contract/route.ts';
import { userJson } from '$lib/server/user-json.ts';
import { createUser, listUsers, UserExistsError, UserUpdateRefusedError } from '$lib/server/users.ts';
import * as contract from './contract.ts';

export const GET = route(contract.GET, async ({ json }) => json(200, { users: (await listUsers()).map(userJson) }));

export const POST = route(contract.POST, async ({ caller, body, json, problem }) => {
	try {
		return json(201, { user: userJson(await createUser(body, caller.username)) });
	} catch (error) {
		if (error instanceof UserExistsError) return problem(409, error.message, [{ path: 'username', message: 'is already taken' }]);
		if (error instanceof UserUpdateRefusedError) return problem(422, error.message, [{ path: error.path, message: error.message }]);
		throw error;
	}
});
