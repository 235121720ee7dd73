import { z } from 'zod';
import { operation } from '$lib/server/contract/operation.ts';

export const POST = operation({
	summary: 'Confirm TOTP enrolment with a current code; answers the recovery codes, once',
	access: 'session',
	body: { json: z.strictObject({ code: z.string().trim().regex(/^\d{6}$/, 'must be the 6-digit code the app shows') }) },
	responses: {
		200: { description: 'Recovery codes, shown this once and kept only hashed', schema: z.object({ recoveryCodes: z.array(z.string()) }) },
		403: 'Asked with an API token: a second factor is set up signed in.',
		409: 'No enrolment is pending, or one is already confirmed.',
		422: 'The code is not the current one.'
	}
});
