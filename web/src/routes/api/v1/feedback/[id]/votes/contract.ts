import { z } from 'zod';
import { operation } from '$lib/server/contract/operation.ts';
import { feedbackParams, feedbackViewSchema } from '$lib/server/contract/feedback-schemas.ts';

export const PUT = operation({
	summary: 'Vote for an item (true) or take the vote back (false)',
	description: 'Anyone who may read the item; one per person.',
	access: 'signed-in',
	params: feedbackParams,
	body: { json: z.strictObject({ vote: z.boolean() }) },
	responses: { 200: { description: 'The item as it stands now', schema: feedbackViewSchema }, 404: 'No such item (or not yours to see).' }
});
