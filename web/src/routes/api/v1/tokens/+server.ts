import { json } from '@sveltejs/kit';
import { z } from 'zod';
import { ROLES } from '../../../../../../db/schema/users.ts';
import { apiUser, parseJsonBody, problem } from '$lib/server/api.ts';
import { createApiToken, holdsScope, listApiTokens } from '$lib/server/tokens.ts';
import type { RequestHandler } from './$types';

const bodySchema = z.strictObject({
	name: z.string().trim().min(1, 'is required').max(100),
	scopes: z.array(z.enum(ROLES)).max(ROLES.length).optional(),
	expiresInDays: z.number().int().min(1).max(3650).optional()
});

/** The caller's tokens, revoked ones included; never the token itself. */
export const GET: RequestHandler = async ({ locals }) => {
	const caller = apiUser(locals);
	if (caller instanceof Response) return caller;
	return json({ tokens: await listApiTokens(caller.id) }, { headers: { 'cache-control': 'no-store' } });
};

/**
 * Creates a token for the caller and shows it once. Scopes must be roles the caller holds now;
 * a request made with a scoped token cannot mint a broader one, so without `scopes` it inherits
 * the caller's.
 */
export const POST: RequestHandler = async ({ locals, request }) => {
	const caller = apiUser(locals);
	if (caller instanceof Response) return caller;
	const body = await parseJsonBody(request, bodySchema);
	if (body instanceof Response) return body;
	const scopes = body.scopes ?? (locals.apiToken?.scopes.length ? [...caller.roles] : []);
	const notHeld = scopes.flatMap((scope, index) => (holdsScope(caller.roles, scope) ? [] : [{ path: `scopes[${index}]`, message: `you do not hold the ${scope} role` }]));
	if (notHeld.length) return problem(400, 'Bad Request', 'A token can only carry roles its owner holds.', notHeld);
	const created = await createApiToken(caller, { name: body.name, scopes, expiresInDays: body.expiresInDays });
	return json(created, { status: 201, headers: { 'cache-control': 'no-store', location: `/api/v1/tokens/${created.id}` } });
};
