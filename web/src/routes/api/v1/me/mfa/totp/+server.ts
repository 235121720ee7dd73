import { route } from '$lib/server/contract/route.ts';
import { MfaStateError, startTotpEnrolment } from '$lib/server/mfa.ts';
import * as contract from './contract.ts';

/**
 * Starts TOTP enrolment: `{secret, uri}` for an authenticator app (the `otpauth://` URI is what
 * the account page's QR code holds). Nothing changes at sign-in until `…/totp/verify` confirms it.
 */
export const POST = route(contract.POST, async ({ caller, event, json, problem }) => {
	if (event.locals.apiToken) return problem(403, 'A second factor is set up signed in, not with an API token.');
	try {
		return json(201, await startTotpEnrolment(caller), { 'cache-control': 'no-store' });
	} catch (error) {
		if (error instanceof MfaStateError) return problem(409, error.message);
		throw error;
	}
});
