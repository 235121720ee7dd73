import { z } from 'zod';
import { operation } from '$lib/server/contract/operation.ts';

export const GET = operation({
	summary: 'What the caller may decide now, oldest first',
	access: 'signed-in',
	temporal: true,
	responses: { 200: { description: 'The approvals inbox', schema: z.looseObject({ approvals: z.array(z.looseObject({ runId: z.string(), stepId: z.string() })) }) } }
});
