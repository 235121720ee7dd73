import { apiUser, problem } from '$lib/server/api.ts';
import { ApiTokenNotFoundError, ApiTokenRevokeRefusedError, isTokenId, revokeApiToken } from '$lib/server/tokens.ts';
import type { RequestHandler } from './$types';

/**
 * Revokes a token (the owner's own, or any for an admin); it stops working at once. Through a
 * token, only that token itself, unless it carries the `tokens` scope.
 */
export const DELETE: RequestHandler = async ({ locals, params }) => {
	const caller = apiUser(locals);
	if (caller instanceof Response) return caller;
	if (!isTokenId(params.id)) return problem(404, 'Not Found', `No token "${params.id}".`);
	try {
		await revokeApiToken(params.id, caller, locals.apiToken);
	} catch (error) {
		if (error instanceof ApiTokenNotFoundError) return problem(404, 'Not Found', `No token "${params.id}".`);
		if (error instanceof ApiTokenRevokeRefusedError) return problem(403, 'Forbidden', `This token may not revoke that one: ${error.message}.`);
		throw error;
	}
	return new Response(null, { status: 204 });
};
