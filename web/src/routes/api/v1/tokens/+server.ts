import { route } from '$lib/server/contract/route.ts';
import { createApiToken, listApiTokens, tokenGrant, TokenRequestError } from '$lib/server/tokens.ts';
import * as contract from './contract.ts';

/** The caller's tokens, revoked ones included, with expiry and last use; never the token itself. */
export const GET = route(contract.GET, async ({ caller, json }) => json(200, { tokens: await listApiTokens(caller.id) }, { 'cache-control': 'no-store' }));

/**
 * Creates a token for the caller and shows it once. It is never wider than the caller: scopes
 * are roles the owner holds (and, through a token, scopes that token carries), an empty list is
 * refused, and it expires by the admin's default, within the admin's maximum and the making token's own expiry.
 */
export const POST = route(contract.POST, async ({ caller, body, event, json, problem }) => {
	const via = event.locals.apiToken;
	try {
		const grant = await tokenGrant(caller, via, body);
		const created = await createApiToken(caller, { name: body.name, ...grant }, via);
		return json(201, created, { 'cache-control': 'no-store', location: `/api/v1/tokens/${created.id}` });
	} catch (error) {
		if (error instanceof TokenRequestError) return problem(error.status, error.message, error.errors);
		throw error;
	}
});
