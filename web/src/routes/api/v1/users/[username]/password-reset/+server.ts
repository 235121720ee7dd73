import { route } from '$lib/server/contract/route.ts';
import { getDb } from '$lib/server/db.ts';
import { resetPassword, UnknownUserError } from '$shared/account-passwords.ts';
import { config } from '$shared/config.ts';
import { forgetFirstAdminPassword } from '$shared/first-admin.ts';
import * as contract from './contract.ts';

/**
 * Gives the user a new one-time password, shown once in the answer: their sessions end, and the
 * next sign-in must choose a new password. Audited, without the password.
 */
export const POST = route(contract.POST, async ({ caller, params, json, problem }) => {
	try {
		const reset = await resetPassword(getDb(), params.username, caller.username);
		forgetFirstAdminPassword(config().TEND_HOME, reset.username);
		return json(200, { ...reset, mustChangePassword: true }, { 'cache-control': 'no-store' });
	} catch (error) {
		if (error instanceof UnknownUserError) return problem(404, `No user "${params.username}".`);
		throw error;
	}
});
