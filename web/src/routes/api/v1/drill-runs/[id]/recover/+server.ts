import { route } from '$lib/server/contract/route.ts';
import { DecisionRefusedError, startDrillRecovery } from '$lib/server/drills.ts';
import * as contract from './contract.ts';

export const POST = route(contract.POST, async ({ caller, params, json, problem }) => {
	try {
		return json(200, await startDrillRecovery(params.id, { id: caller.id, username: caller.username, roles: [...caller.roles] }));
	} catch (error) {
		if (error instanceof DecisionRefusedError) return problem(error.status as 403 | 404 | 409 | 503, error.message);
		throw error;
	}
});
