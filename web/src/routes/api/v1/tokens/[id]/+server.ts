import { route } from '$lib/server/contract/route.ts';
import { ApiTokenNotFoundError, ApiTokenRevokeRefusedError, revokeApiToken } from '$lib/server/tokens.ts';
import * as contract from './contract.ts';

/**
 * Revokes a token (the owner's own, or any for an admin); it stops working at once. Through a
 * token, only that token itself, unless it carries the `tokens` scope.
 */
export const DELETE = route(contract.DELETE, async ({ caller, params, event, send, problem }) => {
	try {
		await revokeApiToken(params.id, caller, event.locals.apiToken);
	} catch (error) {
		if (error instanceof ApiTokenNotFoundError) return problem(404, `No token "${params.id}".`);
		if (error instanceof ApiTokenRevokeRefusedError) return problem(403, `This token may not revoke that one: ${error.message}.`);
		throw error;
	}
	return send(204);
});
