import { z } from 'zod';
import { operation } from '$lib/server/contract/operation.ts';
import { feedbackStatus, feedbackSummarySchema, feedbackType, newFeedbackSchema } from '$lib/server/contract/feedback-schemas.ts';

export const GET = operation({
	summary: 'Feedback items newest first, filtered',
	description: 'A member sees only the items they submitted; every other role sees all.',
	access: 'signed-in',
	query: z.object({
		status: feedbackStatus.optional(),
		type: feedbackType.optional(),
		target: z.string().max(200).optional(),
		q: z.string().max(200).optional().meta({ description: 'Words in the title or body.' }),
		limit: z.coerce.number().int().min(1).max(500).optional().catch(undefined).meta({ description: 'At most this many, 100 unless given.' })
	}),
	responses: { 200: { description: 'Items', schema: z.looseObject({ items: z.array(feedbackSummarySchema), total: z.int() }) } }
});

export const POST = operation({
	summary: 'Submit a bug, request or question about a target',
	description: 'Anyone signed in may. The item starts `new` with its triage clock running (a workflow per item).',
	access: 'signed-in',
	body: { json: newFeedbackSchema },
	temporal: true,
	checkedBeyondSchema: '`target` must name a registered target.',
	responses: { 201: { description: 'Submitted', schema: feedbackSummarySchema, headers: { Location: 'The item’s URL' } }, 422: 'The item is not valid; nothing was submitted.' }
});
