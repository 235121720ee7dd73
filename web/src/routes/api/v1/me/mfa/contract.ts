import { z } from 'zod';
import { operation } from '$lib/server/contract/operation.ts';

export const GET = operation({
	summary: 'Your second factor: enrolled, required by policy, recovery codes left',
	access: 'signed-in',
	responses: {
		200: { description: 'Status', schema: z.looseObject({ enrolled: z.boolean(), pending: z.boolean(), recoveryCodesLeft: z.int(), required: z.boolean() }) }
	}
});
