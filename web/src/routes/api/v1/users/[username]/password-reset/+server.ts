import { json } from '@sveltejs/kit';
import { apiUser, problem } from '$lib/server/api.ts';
import { getDb } from '$lib/server/db.ts';
import { resetPassword, UnknownUserError } from '$shared/account-passwords.ts';
import { config } from '$shared/config.ts';
import { forgetFirstAdminPassword } from '$shared/first-admin.ts';
import type { RequestHandler } from './$types';

/**
 * Gives the user a new one-time password, shown once in the answer: their sessions end, and the
 * next sign-in must choose a new password. Audited, without the password.
 */
export const POST: RequestHandler = async ({ locals, params }) => {
	const caller = apiUser(locals, 'admin');
	if (caller instanceof Response) return caller;
	try {
		const reset = await resetPassword(getDb(), params.username, caller.username);
		forgetFirstAdminPassword(config().TEND_HOME, reset.username);
		return json({ ...reset, mustChangePassword: true }, { headers: { 'cache-control': 'no-store' } });
	} catch (error) {
		if (error instanceof UnknownUserError) return problem(404, 'Not Found', `No user "${params.username}".`);
		throw error;
	}
};
