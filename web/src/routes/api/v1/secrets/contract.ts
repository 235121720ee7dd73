import { z } from 'zod';
import { operation } from '$lib/server/contract/operation.ts';

export const GET = operation({
	summary: 'Secret names and when each was set (admin); values are never shown',
	access: ['admin'],
	responses: {
		200: { description: 'Secrets', schema: z.looseObject({ secrets: z.array(z.looseObject({ name: z.string(), updatedAt: z.string().meta({ format: 'date-time' }) })) }) }
	}
});
