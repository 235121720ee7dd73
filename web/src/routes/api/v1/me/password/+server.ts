import { changeOwnPassword } from '$lib/server/account.ts';
import { route } from '$lib/server/contract/route.ts';
import { DEVICE_COOKIE } from '$lib/server/signed-values.ts';
import * as contract from './contract.ts';

/**
 * Changes the caller's own password. Every other session of theirs ends; the one this came with
 * stays. Only a person signed in may do it: a token is refused.
 */
export const POST = route(contract.POST, async ({ caller, body, event, send, problem }) => {
	const { locals, cookies } = event;
	if (locals.apiToken) return problem(403, 'A password is changed signed in with it, not with an API token.');
	const result = await changeOwnPassword(caller, { ...body, keepSession: locals.session?.id, clientAddress: event.getClientAddress(), deviceCookie: cookies.get(DEVICE_COOKIE) });
	if (result.ok) return send(204);
	if (result.field === 'newPassword') return problem(422, 'The new password will not do.', [{ path: 'newPassword', message: result.problem.message }]);
	if (result.code === 'rateLimited') return problem(429, 'Too many wrong passwords. Try again later.', undefined, { 'retry-after': String(result.retryAfterSeconds) });
	return problem(403, 'The current password is wrong.', [{ path: 'currentPassword', message: 'is wrong' }]);
});
