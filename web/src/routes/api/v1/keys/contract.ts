import { z } from 'zod';
import { operation } from '$lib/server/contract/operation.ts';

export const GET = operation({
	summary: 'The key ring by id, current first, and how many stored values each key still seals (admin); never a key',
	access: ['admin'],
	responses: {
		200: {
			description: 'Key status',
			schema: z.looseObject({
				current: z.string(),
				ring: z.array(z.string()),
				tables: z.array(z.looseObject({ table: z.string(), byKey: z.record(z.string(), z.int()), unknown: z.int() }))
			})
		}
	}
});
