import { z } from 'zod';
import { changeOwnPassword } from '$lib/server/account.ts';
import { apiUser, parseJsonBody, problem } from '$lib/server/api.ts';
import { DEVICE_COOKIE } from '$lib/server/signed-values.ts';
import type { RequestHandler } from './$types';

const bodySchema = z.strictObject({
	currentPassword: z.string().min(1, 'is required').max(1024),
	newPassword: z.string().min(1, 'is required').max(1024)
});

/**
 * Changes the caller's own password. Every other session of theirs ends; the one this came with
 * stays. Only a person signed in may do it: a token is refused.
 */
export const POST: RequestHandler = async ({ locals, request, cookies, getClientAddress }) => {
	const caller = apiUser(locals);
	if (caller instanceof Response) return caller;
	if (locals.apiToken) return problem(403, 'Forbidden', 'A password is changed signed in with it, not with an API token.');
	const body = await parseJsonBody(request, bodySchema);
	if (body instanceof Response) return body;
	const result = await changeOwnPassword(caller, { ...body, keepSession: locals.session?.id, clientAddress: getClientAddress(), deviceCookie: cookies.get(DEVICE_COOKIE) });
	if (result.ok) return new Response(null, { status: 204 });
	if (result.field === 'newPassword') return problem(422, 'Unprocessable Content', 'The new password will not do.', [{ path: 'newPassword', message: result.problem.message }]);
	if (result.code === 'rateLimited') return problem(429, 'Too Many Requests', 'Too many wrong passwords. Try again later.', undefined, { 'retry-after': String(result.retryAfterSeconds) });
	return problem(403, 'Forbidden', 'The current password is wrong.', [{ path: 'currentPassword', message: 'is wrong' }]);
};
