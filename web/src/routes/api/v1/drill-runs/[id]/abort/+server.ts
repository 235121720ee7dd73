import { route } from '$lib/server/contract/route.ts';
import { abortDrill, DecisionRefusedError } from '$lib/server/drills.ts';
import * as contract from './contract.ts';

export const POST = route(contract.POST, async ({ caller, params, body, json, problem }) => {
	try {
		await abortDrill(params.id, { id: caller.id, username: caller.username, roles: [...caller.roles] }, body.reason);
		return json(202, { id: params.id, status: 'aborting' as const });
	} catch (error) {
		if (error instanceof DecisionRefusedError) return problem(error.status as 403 | 404 | 409 | 503, error.message);
		throw error;
	}
});
