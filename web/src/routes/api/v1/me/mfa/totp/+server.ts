import { json } from '@sveltejs/kit';
import { apiUser, problem } from '$lib/server/api.ts';
import { MfaStateError, startTotpEnrolment } from '$lib/server/mfa.ts';
import type { RequestHandler } from './$types';

/**
 * Starts TOTP enrolment: `{secret, uri}` for an authenticator app (the `otpauth://` URI is what
 * the account page's QR code holds). Nothing changes at sign-in until `…/totp/verify` confirms it.
 */
export const POST: RequestHandler = async ({ locals }) => {
	const caller = apiUser(locals);
	if (caller instanceof Response) return caller;
	if (locals.apiToken) return problem(403, 'Forbidden', 'A second factor is set up signed in, not with an API token.');
	try {
		return json(await startTotpEnrolment(caller), { status: 201, headers: { 'cache-control': 'no-store' } });
	} catch (error) {
		if (error instanceof MfaStateError) return problem(409, 'Conflict', error.message);
		throw error;
	}
};
