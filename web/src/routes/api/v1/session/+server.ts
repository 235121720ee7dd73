import { deleteSessionCookie, invalidateSession, setDeviceCookie, setSessionCookie } from '$lib/server/auth.ts';
import { route } from '$lib/server/contract/route.ts';
import { attemptLogin } from '$lib/server/login.ts';
import { DEVICE_COOKIE } from '$lib/server/signed-values.ts';
import * as contract from './contract.ts';

/**
 * Signs in: sets the session cookie (and a device cookie, which keeps this client's own sign-ins
 * clear of throttling caused by others) and answers with who signed in. An account with a second
 * factor needs `code` too; without it the answer is 401 with `mfaRequired: true`.
 */
export const POST = route(contract.POST, async ({ body, event, json, problem }) => {
	const { cookies, url } = event;
	const result = await attemptLogin({ ...body, clientAddress: event.getClientAddress(), deviceCookie: cookies.get(DEVICE_COOKIE) });
	if (!result.ok) {
		switch (result.reason) {
			case 'rate_limited':
				return problem(429, 'Too many failed sign-ins. Try again later.', undefined, { 'retry-after': String(result.retryAfterSeconds) });
			case 'code_required':
				return problem(401, 'A one-time code is required: send code with the current code from your authenticator app, or a recovery code.', [{ path: 'code', message: 'is required' }], { 'www-authenticate': 'Bearer realm="tend"' }, { mfaRequired: true });
			case 'code_invalid':
				return problem(401, 'The one-time code is wrong or was already used.', [{ path: 'code', message: 'does not pass' }], undefined, { mfaRequired: true });
			case 'disabled':
				return problem(403, 'This account is disabled. Ask an admin.');
			default:
				return problem(401, 'Wrong username or password.');
		}
	}
	setSessionCookie(cookies, url, result.token, result.expiresAt);
	setDeviceCookie(cookies, url, result.device);
	const { id, username, roles, mustChangePassword, mfaEnrolled } = result.user;
	return json(200, { user: { id, username, roles, mustChangePassword, mfaEnrolled } }, { 'cache-control': 'no-store' });
});

/** Signs out the session the request came with (cookie or bearer). */
export const DELETE = route(contract.DELETE, async ({ event, send }) => {
	if (event.locals.session) await invalidateSession(event.locals.session.id);
	deleteSessionCookie(event.cookies, event.url);
	return send(204);
});
