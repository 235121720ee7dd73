import { deleteSessionCookie, invalidateSession, setSessionCookie } from '$lib/server/auth.ts';
import { route } from '$lib/server/contract/route.ts';
import { attemptLogin } from '$lib/server/login.ts';
import * as contract from './contract.ts';

/** Signs in: sets the session cookie and answers with who signed in. */
export const POST = route(contract.POST, async ({ body, event, json, problem }) => {
	const result = await attemptLogin({ ...body, clientAddress: event.getClientAddress() });
	if (!result.ok) {
		if (result.reason === 'rate_limited') return problem(429, 'Too many failed sign-ins. Try again later.', undefined, { 'retry-after': String(result.retryAfterSeconds) });
		return problem(401, 'Wrong username or password.');
	}
	setSessionCookie(event.cookies, event.url, result.token, result.expiresAt);
	const { id, username, roles } = result.user;
	return json(200, { user: { id, username, roles } }, { 'cache-control': 'no-store' });
});

/** Signs out the session the request came with (cookie or bearer). */
export const DELETE = route(contract.DELETE, async ({ event, send }) => {
	if (event.locals.session) await invalidateSession(event.locals.session.id);
	deleteSessionCookie(event.cookies, event.url);
	return send(204);
});
