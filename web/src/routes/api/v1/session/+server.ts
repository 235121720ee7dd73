import { json } from '@sveltejs/kit';
import { z } from 'zod';
import { apiUser, parseJsonBody, problem } from '$lib/server/api.ts';
import { deleteSessionCookie, invalidateSession, setSessionCookie } from '$lib/server/auth.ts';
import { attemptLogin } from '$lib/server/login.ts';
import type { RequestHandler } from './$types';

const credentialsSchema = z.object({
	username: z.string().min(1, 'is required').max(200),
	password: z.string().min(1, 'is required').max(1024)
});

/** Signs in: sets the session cookie and answers with who signed in. */
export const POST: RequestHandler = async ({ request, cookies, url, getClientAddress }) => {
	const body = await parseJsonBody(request, credentialsSchema);
	if (body instanceof Response) return body;
	const result = await attemptLogin({ ...body, clientAddress: getClientAddress() });
	if (!result.ok) {
		if (result.reason === 'rate_limited') {
			return problem(429, 'Too Many Requests', 'Too many failed sign-ins. Try again later.', undefined, {
				'retry-after': String(result.retryAfterSeconds)
			});
		}
		return problem(401, 'Unauthorized', 'Wrong username or password.');
	}
	setSessionCookie(cookies, url, result.token, result.expiresAt);
	const { id, username, roles } = result.user;
	return json({ user: { id, username, roles } }, { headers: { 'cache-control': 'no-store' } });
};

/** Signs out the session the request came with (cookie or bearer). */
export const DELETE: RequestHandler = async ({ locals, cookies, url }) => {
	const user = apiUser(locals);
	if (user instanceof Response) return user;
	if (locals.session) await invalidateSession(locals.session.id);
	deleteSessionCookie(cookies, url);
	return new Response(null, { status: 204 });
};
