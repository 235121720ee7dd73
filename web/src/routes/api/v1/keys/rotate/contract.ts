import { z } from 'zod';
import { operation } from '$lib/server/contract/operation.ts';

export const POST = operation({
	summary: 'Re-encrypt every stored secret with the current key, the first of TEND_SECRET_KEYS (admin); safe to repeat while runs are in flight',
	access: ['admin'],
	responses: {
		200: {
			description: 'What was re-encrypted',
			schema: z.looseObject({
				keyId: z.string(),
				tables: z.array(z.looseObject({ table: z.string(), rows: z.int(), reencrypted: z.int(), current: z.int(), unreadable: z.array(z.string()) }))
			})
		}
	}
});
