import { route } from '$lib/server/contract/route.ts';
import { createUser, listUsers, UserExistsError, type UserSummary } from '$lib/server/users.ts';
import * as contract from './contract.ts';

const toJson = (user: UserSummary) => ({ ...user, createdAt: user.createdAt.toISOString() });

export const GET = route(contract.GET, async ({ json }) => json(200, { users: (await listUsers()).map(toJson) }));

export const POST = route(contract.POST, async ({ caller, body, json, problem }) => {
	try {
		return json(201, { user: toJson(await createUser(body, caller.username)) });
	} catch (error) {
		if (error instanceof UserExistsError) return problem(409, error.message, [{ path: 'username', message: 'is already taken' }]);
		throw error;
	}
});
