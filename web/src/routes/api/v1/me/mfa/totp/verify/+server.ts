import { json } from '@sveltejs/kit';
import { z } from 'zod';
import { apiUser, parseJsonBody, problem } from '$lib/server/api.ts';
import { markSecondFactor } from '$lib/server/auth.ts';
import { confirmTotpEnrolment, MfaStateError } from '$lib/server/mfa.ts';
import type { RequestHandler } from './$types';

const bodySchema = z.strictObject({ code: z.string().trim().regex(/^\d{6}$/, 'must be the 6-digit code the app shows') });

/** Confirms enrolment with a current code; answers `{recoveryCodes}`, shown this once and kept only hashed. */
export const POST: RequestHandler = async ({ locals, request }) => {
	const caller = apiUser(locals);
	if (caller instanceof Response) return caller;
	if (locals.apiToken) return problem(403, 'Forbidden', 'A second factor is set up signed in, not with an API token.');
	const body = await parseJsonBody(request, bodySchema);
	if (body instanceof Response) return body;
	try {
		const confirmed = await confirmTotpEnrolment(caller, body.code);
		if (!confirmed) return problem(422, 'Unprocessable Content', 'That code is not the current one.', [{ path: 'code', message: 'does not match: check the app and the device clock' }]);
		if (locals.session) await markSecondFactor(locals.session.id);
		return json(confirmed, { headers: { 'cache-control': 'no-store' } });
	} catch (error) {
		if (error instanceof MfaStateError) return problem(409, 'Conflict', error.message);
		throw error;
	}
};
