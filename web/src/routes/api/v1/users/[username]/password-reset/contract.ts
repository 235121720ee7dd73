import { z } from 'zod';
import { operation } from '$lib/server/contract/operation.ts';
import { userParams } from '../contract.ts';

export const POST = operation({
	summary: 'A one-time password, shown once; their sessions end and they must change it at the next sign-in (admin)',
	access: ['admin'],
	params: userParams,
	responses: {
		200: { description: 'The one-time password', schema: z.object({ username: z.string(), password: z.string(), mustChangePassword: z.literal(true) }) },
		404: 'No such user.'
	}
});
