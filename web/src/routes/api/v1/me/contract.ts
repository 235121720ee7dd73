import { z } from 'zod';
import { operation } from '$lib/server/contract/operation.ts';

export const GET = operation({
	summary: 'Who is signed in',
	access: 'signed-in',
	responses: {
		200: {
			description: 'The caller, and when their session ends (none for an API token)',
			schema: z.looseObject({ user: z.looseObject({ id: z.string(), username: z.string(), roles: z.array(z.string()) }), session: z.looseObject({ expiresAt: z.string() }).nullable() })
		}
	}
});
