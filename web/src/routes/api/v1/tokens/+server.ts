import { route } from '$lib/server/contract/route.ts';
import { createApiToken, holdsScope, listApiTokens } from '$lib/server/tokens.ts';
import * as contract from './contract.ts';

/** The caller's tokens, revoked ones included; never the token itself. */
export const GET = route(contract.GET, async ({ caller, json }) => json(200, { tokens: await listApiTokens(caller.id) }, { 'cache-control': 'no-store' }));

/**
 * Creates a token for the caller and shows it once. Scopes must be roles the caller holds now;
 * a request made with a scoped token cannot mint a broader one, so without `scopes` it inherits
 * the caller's.
 */
export const POST = route(contract.POST, async ({ caller, body, event, json, problem }) => {
	const scopes = body.scopes ?? (event.locals.apiToken?.scopes.length ? [...caller.roles] : []);
	const notHeld = scopes.flatMap((scope, index) => (holdsScope(caller.roles, scope) ? [] : [{ path: `scopes[${index}]`, message: `you do not hold the ${scope} role` }]));
	if (notHeld.length) return problem(400, 'A token can only carry roles its owner holds.', notHeld);
	const created = await createApiToken(caller, { name: body.name, scopes, expiresInDays: body.expiresInDays });
	return json(201, created, { 'cache-control': 'no-store', location: `/api/v1/tokens/${created.id}` });
});
