import { route } from '$lib/server/contract/route.ts';
import { removeSecondFactor } from '$lib/server/mfa.ts';
import * as contract from './contract.ts';

/** Removes a user's second factor and recovery codes (a lost phone); if their roles require one, they enrol again at the next sign-in. */
export const DELETE = route(contract.DELETE, async ({ caller, params, send, problem }) => {
	if (!(await removeSecondFactor(params.username, caller.username))) return problem(404, `No user "${params.username}".`);
	return send(204);
});
