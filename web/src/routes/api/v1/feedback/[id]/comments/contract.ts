import { z } from 'zod';
import { statement } from '$lib/server/contract/fields.ts';
import { operation } from '$lib/server/contract/operation.ts';
import { feedbackEventSchema, feedbackParams } from '$lib/server/contract/feedback-schemas.ts';

export const POST = operation({
	summary: 'Comment on a feedback item; `@username` tells that person',
	description: 'Anyone who may read the item may comment. Each person mentioned gets an in-app notification and a mail.',
	access: 'signed-in',
	params: feedbackParams,
	body: { json: z.strictObject({ body: statement(5000, 'must say something') }) },
	responses: { 201: { description: 'The comment as it is on the timeline', schema: feedbackEventSchema }, 404: 'No such item (or not yours to see).' }
});
