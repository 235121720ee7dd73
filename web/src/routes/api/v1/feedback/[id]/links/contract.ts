import { z } from 'zod';
import { uuid } from '$lib/server/contract/fields.ts';
import { operation } from '$lib/server/contract/operation.ts';
import { feedbackParams, feedbackViewSchema } from '$lib/server/contract/feedback-schemas.ts';
import { FEEDBACK_TRIAGER_ROLES } from '$shared/feedback-model.ts';

export const POST = operation({
	summary: 'Link a run meant to fix the item',
	description: 'When the run succeeds (its verification passed) the item becomes `done` by itself with the run as evidence and its submitter is told; a run that fails, rolls back or is cancelled leaves it open and says so on its timeline. A run that has already ended settles at once.',
	access: FEEDBACK_TRIAGER_ROLES,
	params: feedbackParams,
	body: { json: z.strictObject({ runId: uuid('must be a run id') }) },
	temporal: true,
	checkedBeyondSchema: '`runId` must name a run.',
	responses: { 200: { description: 'The item as it stands now', schema: feedbackViewSchema }, 404: 'No such item.', 422: 'No such run; nothing was linked.' }
});
