import { json } from '@sveltejs/kit';
import { z } from 'zod';
import { apiUser, parseJsonBody, problem } from '$lib/server/api.ts';
import { createApiToken, listApiTokens, TOKEN_SCOPES, tokenGrant, TokenRequestError } from '$lib/server/tokens.ts';
import type { RequestHandler } from './$types';

const bodySchema = z.strictObject({
	name: z.string().trim().min(1, 'is required').max(100),
	scopes: z.array(z.enum(TOKEN_SCOPES)).max(TOKEN_SCOPES.length).optional(),
	expiresInDays: z.number().int().min(1).max(3650).optional()
});

/** The caller's tokens, revoked ones included, with expiry and last use; never the token itself. */
export const GET: RequestHandler = async ({ locals }) => {
	const caller = apiUser(locals);
	if (caller instanceof Response) return caller;
	return json({ tokens: await listApiTokens(caller.id) }, { headers: { 'cache-control': 'no-store' } });
};

/**
 * Creates a token for the caller and shows it once. It is never wider than the caller: scopes
 * are roles the owner holds (and, through a token, scopes that token carries), an empty list is
 * refused, and it expires by the admin's default, within the admin's maximum and the making token's own expiry.
 */
export const POST: RequestHandler = async ({ locals, request }) => {
	const caller = apiUser(locals);
	if (caller instanceof Response) return caller;
	const body = await parseJsonBody(request, bodySchema);
	if (body instanceof Response) return body;
	try {
		const grant = await tokenGrant(caller, locals.apiToken, body);
		const created = await createApiToken(caller, { name: body.name, ...grant }, locals.apiToken);
		return json(created, { status: 201, headers: { 'cache-control': 'no-store', location: `/api/v1/tokens/${created.id}` } });
	} catch (error) {
		if (error instanceof TokenRequestError) return problem(error.status, error.status === 400 ? 'Bad Request' : 'Unprocessable Content', error.message, error.errors);
		throw error;
	}
};
