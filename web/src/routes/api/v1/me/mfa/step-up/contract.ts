import { z } from 'zod';
import { operation } from '$lib/server/contract/operation.ts';

export const POST = operation({
	summary: 'Prove the second factor again for this session (before a high-risk approval)',
	access: 'session',
	body: { json: z.strictObject({ code: z.string().trim().min(1, 'is required').max(32) }) },
	responses: {
		200: { description: 'Proved', schema: z.object({ secondFactorAt: z.string().meta({ format: 'date-time' }) }) },
		403: 'Asked with an API token: only a signed-in session can prove a second factor.',
		422: 'The code is not a current one or an unused recovery code.'
	}
});
