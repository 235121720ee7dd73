import { route } from '$lib/server/contract/route.ts';
import { cancelRun, RunNotFoundError, RunStateError } from '$lib/server/runs.ts';
import * as contract from './contract.ts';

/** Cancels a run: 202 while the workflow stops (and compensates, with `rollback`); 409 once it has ended. */
export const POST = route(contract.POST, async ({ caller, params, body, json, problem }) => {
	try {
		await cancelRun(params.id, { id: caller.id, username: caller.username, roles: [...caller.roles] }, body?.reason || undefined);
	} catch (error) {
		if (error instanceof RunNotFoundError) return problem(404, `No run "${params.id}".`);
		if (error instanceof RunStateError) return problem(409, `Cannot cancel: ${error.message}.`);
		throw error;
	}
	return json(202, { id: params.id, status: 'cancelling' });
});
