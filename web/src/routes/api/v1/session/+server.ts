import { json } from '@sveltejs/kit';
import { z } from 'zod';
import { apiUser, parseJsonBody, problem } from '$lib/server/api.ts';
import { deleteSessionCookie, invalidateSession, setDeviceCookie, setSessionCookie } from '$lib/server/auth.ts';
import { attemptLogin } from '$lib/server/login.ts';
import { DEVICE_COOKIE } from '$lib/server/signed-values.ts';
import type { RequestHandler } from './$types';

const credentialsSchema = z.object({
	username: z.string().min(1, 'is required').max(200),
	password: z.string().min(1, 'is required').max(1024),
	/** The authenticator's current code, or an unused recovery code, for an account with a second factor. */
	code: z.string().trim().min(1, 'is required when given').max(32).optional()
});

/**
 * Signs in: sets the session cookie (and a device cookie, which keeps this client's own sign-ins
 * clear of throttling caused by others) and answers with who signed in. An account with a second
 * factor needs `code` too; without it the answer is 401 with `mfaRequired: true`.
 */
export const POST: RequestHandler = async ({ request, cookies, url, getClientAddress }) => {
	const body = await parseJsonBody(request, credentialsSchema);
	if (body instanceof Response) return body;
	const result = await attemptLogin({ ...body, clientAddress: getClientAddress(), deviceCookie: cookies.get(DEVICE_COOKIE) });
	if (!result.ok) {
		switch (result.reason) {
			case 'rate_limited':
				return problem(429, 'Too Many Requests', 'Too many failed sign-ins. Try again later.', undefined, { 'retry-after': String(result.retryAfterSeconds) });
			case 'code_required':
				return problem(401, 'Unauthorized', 'A one-time code is required: send code with the current code from your authenticator app, or a recovery code.', [{ path: 'code', message: 'is required' }], { 'www-authenticate': 'Bearer realm="tend"' }, { mfaRequired: true });
			case 'code_invalid':
				return problem(401, 'Unauthorized', 'The one-time code is wrong or was already used.', [{ path: 'code', message: 'does not pass' }], undefined, { mfaRequired: true });
			case 'disabled':
				return problem(403, 'Forbidden', 'This account is disabled. Ask an admin.');
			default:
				return problem(401, 'Unauthorized', 'Wrong username or password.');
		}
	}
	setSessionCookie(cookies, url, result.token, result.expiresAt);
	setDeviceCookie(cookies, url, result.device);
	const { id, username, roles, mustChangePassword, mfaEnrolled } = result.user;
	return json({ user: { id, username, roles, mustChangePassword, mfaEnrolled } }, { headers: { 'cache-control': 'no-store' } });
};

/** Signs out the session the request came with (cookie or bearer). */
export const DELETE: RequestHandler = async ({ locals, cookies, url }) => {
	const user = apiUser(locals);
	if (user instanceof Response) return user;
	if (locals.session) await invalidateSession(locals.session.id);
	deleteSessionCookie(cookies, url);
	return new Response(null, { status: 204 });
};
