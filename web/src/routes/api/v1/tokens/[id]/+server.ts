import { apiUser, problem } from '$lib/server/api.ts';
import { ApiTokenNotFoundError, isTokenId, revokeApiToken } from '$lib/server/tokens.ts';
import type { RequestHandler } from './$types';

/** Revokes a token (the owner's own, or any for an admin); it stops working at once. */
export const DELETE: RequestHandler = async ({ locals, params }) => {
	const caller = apiUser(locals);
	if (caller instanceof Response) return caller;
	if (!isTokenId(params.id)) return problem(404, 'Not Found', `No token "${params.id}".`);
	try {
		await revokeApiToken(params.id, caller);
	} catch (error) {
		if (error instanceof ApiTokenNotFoundError) return problem(404, 'Not Found', `No token "${params.id}".`);
		throw error;
	}
	return new Response(null, { status: 204 });
};
