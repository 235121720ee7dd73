import { route } from '$lib/server/contract/route.ts';
import { userJson } from '$lib/server/user-json.ts';
import { getUser, updateUser, UserNotFoundError, UserUpdateRefusedError } from '$lib/server/users.ts';
import * as contract from './contract.ts';

export const GET = route(contract.GET, async ({ params, json, problem }) => {
	const user = await getUser(params.username);
	return user ? json(200, { user: userJson(user) }) : problem(404, `No user "${params.username}".`);
});

/**
 * Changes a user: `displayName`, `email`, `roles` (replaced whole), `manager` (a username, or
 * null), `disabled`. Each change is audited; disabling ends their sessions and stops their tokens.
 */
export const PATCH = route(contract.PATCH, async ({ caller, params, body, json, problem }) => {
	try {
		return json(200, { user: userJson(await updateUser(params.username, body, caller)) });
	} catch (error) {
		if (error instanceof UserNotFoundError) return problem(404, `No user "${params.username}".`);
		if (error instanceof UserUpdateRefusedError) return problem(409, error.message, [{ path: error.path, message: error.message }]);
		throw error;
	}
});
