import { operation } from '$lib/server/contract/operation.ts';
import { feedbackChangeSchema, feedbackParams, feedbackViewSchema } from '$lib/server/contract/feedback-schemas.ts';
import { FEEDBACK_TRIAGER_ROLES } from '$shared/feedback-model.ts';

export const GET = operation({
	summary: 'A feedback item with its timeline and linked runs',
	description: 'A member may read only the items they submitted (others answer 404).',
	access: 'signed-in',
	params: feedbackParams,
	responses: { 200: { description: 'Item', schema: feedbackViewSchema }, 404: 'No such item (or not yours to see).' }
});

export const PATCH = operation({
	summary: 'Triage: change an item’s status, priority or assignee',
	description: 'Each change is on the timeline with who and when. `new → triaged → planned → in_progress → done | declined`; `duplicate` only by a merge; a closed item does not change.',
	access: FEEDBACK_TRIAGER_ROLES,
	params: feedbackParams,
	body: { json: feedbackChangeSchema },
	temporal: true,
	checkedBeyondSchema: 'the status must be one the item may move to from where it stands; `assignee` must name a user.',
	responses: { 200: { description: 'The item as it stands now', schema: feedbackViewSchema }, 404: 'No such item.', 409: 'The item is closed.', 422: 'The change is not valid; nothing changed.' }
});
