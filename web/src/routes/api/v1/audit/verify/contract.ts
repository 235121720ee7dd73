import { z } from 'zod';
import { operation } from '$lib/server/contract/operation.ts';

export const GET = operation({
	summary: 'Seal what has committed and check the hash chain (admin)',
	access: ['admin'],
	responses: {
		200: {
			description: 'The verdict: `firstBadId` is the first entry whose hash does not follow from the one before; `unsealed` counts entries not yet chained',
			schema: z.looseObject({ ok: z.boolean(), entries: z.int(), firstBadId: z.int().nullable(), unsealed: z.int() })
		}
	}
});
