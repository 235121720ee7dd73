import { markSecondFactor } from '$lib/server/auth.ts';
import { route } from '$lib/server/contract/route.ts';
import { confirmTotpEnrolment, MfaStateError } from '$lib/server/mfa.ts';
import * as contract from './contract.ts';

/** Confirms enrolment with a current code; answers `{recoveryCodes}`, shown this once and kept only hashed. */
export const POST = route(contract.POST, async ({ caller, body, event, json, problem }) => {
	const { apiToken, session } = event.locals;
	if (apiToken) return problem(403, 'A second factor is set up signed in, not with an API token.');
	try {
		const confirmed = await confirmTotpEnrolment(caller, body.code);
		if (!confirmed) return problem(422, 'That code is not the current one.', [{ path: 'code', message: 'does not match: check the app and the device clock' }]);
		if (session) await markSecondFactor(session.id);
		return json(200, confirmed, { 'cache-control': 'no-store' });
	} catch (error) {
		if (error instanceof MfaStateError) return problem(409, error.message);
		throw error;
	}
});
