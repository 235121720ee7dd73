import { z } from 'zod';
import { statement, uuid } from '$lib/server/contract/fields.ts';
import { operation } from '$lib/server/contract/operation.ts';
import { reviewItemSchema } from '../../../contract.ts';

export const POST = operation({
	summary: 'Appeal a suspension of one’s own access during the grace period: the role returns until a reviewer decides again',
	access: 'signed-in',
	params: z.object({ id: uuid('must be a campaign id'), itemId: uuid('must be an item id') }),
	body: { json: z.strictObject({ reason: statement(2000, 'say why you still need this access') }) },
	responses: {
		200: { description: 'The item, appealed', schema: reviewItemSchema.partial({ own: true }) },
		404: 'No such item of the caller’s in this campaign.',
		409: 'Only a suspended item can be appealed.'
	}
});
