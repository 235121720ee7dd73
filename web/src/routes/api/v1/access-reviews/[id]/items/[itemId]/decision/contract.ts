import { z } from 'zod';
import { note, uuid } from '$lib/server/contract/fields.ts';
import { operation } from '$lib/server/contract/operation.ts';
import { reviewItemSchema } from '../../../contract.ts';

export const POST = operation({
	summary: 'Certify or revoke one item (admin, never one’s own access); revoking takes the role away at once, audited',
	access: ['admin'],
	params: z.object({ id: uuid('must be a campaign id'), itemId: uuid('must be an item id') }),
	body: { json: z.strictObject({ decision: z.enum(['certify', 'revoke']), comment: note(2000).optional() }) },
	responses: {
		200: { description: 'The item as decided', schema: reviewItemSchema.partial({ own: true }) },
		403: 'The item is the caller’s own access.',
		404: 'No such item in this campaign.',
		409: 'The item can no longer be decided (already decided, or the campaign closed), or it is the last enabled admin’s role.'
	}
});
