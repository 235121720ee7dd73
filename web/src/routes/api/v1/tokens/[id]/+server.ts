import { route } from '$lib/server/contract/route.ts';
import { ApiTokenNotFoundError, revokeApiToken } from '$lib/server/tokens.ts';
import * as contract from './contract.ts';

/** Revokes a token (the owner's own, or any for an admin); it stops working at once. */
export const DELETE = route(contract.DELETE, async ({ caller, params, send, problem }) => {
	try {
		await revokeApiToken(params.id, caller);
	} catch (error) {
		if (error instanceof ApiTokenNotFoundError) return problem(404, `No token "${params.id}".`);
		throw error;
	}
	return send(204);
});
