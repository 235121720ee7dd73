import { z } from 'zod';
import { operation } from '$lib/server/contract/operation.ts';

export const POST = operation({
	summary: 'Start TOTP enrolment',
	description: 'Answers the secret and the `otpauth://` URI for an authenticator app; nothing changes at sign-in until `/me/mfa/totp/verify` confirms it.',
	access: 'session',
	responses: {
		201: { description: 'The secret and otpauth URI', schema: z.object({ secret: z.string(), uri: z.string() }) },
		403: 'Asked with an API token: a second factor is set up signed in.',
		409: 'A second factor is already enrolled.'
	}
});
