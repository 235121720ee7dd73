import { z } from 'zod';
import { uuid } from '$lib/server/contract/fields.ts';
import { operation } from '$lib/server/contract/operation.ts';
import { feedbackParams, feedbackViewSchema } from '$lib/server/contract/feedback-schemas.ts';
import { FEEDBACK_TRIAGER_ROLES } from '$shared/feedback-model.ts';

export const POST = operation({
	summary: 'Merge this item into another it duplicates',
	description: 'Votes and watchers move to `into`, the duplicate’s submitter watches it (and is told when it closes), and this item closes as `duplicate`. Answers the item merged into.',
	access: FEEDBACK_TRIAGER_ROLES,
	params: feedbackParams,
	body: { json: z.strictObject({ into: uuid('must be a feedback item id') }) },
	temporal: true,
	checkedBeyondSchema: '`into` must name another open item.',
	responses: { 200: { description: 'The item merged into', schema: feedbackViewSchema }, 404: 'No such item.', 409: 'This item is closed.', 422: 'The merge is not valid; nothing changed.' }
});
