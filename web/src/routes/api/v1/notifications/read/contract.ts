import { z } from 'zod';
import { operation } from '$lib/server/contract/operation.ts';

const body = z
	.strictObject({
		ids: z.array(z.uuid('must be a notification id')).min(1, 'name at least one notification').max(500).optional(),
		all: z.literal(true).optional()
	})
	.refine((value) => (value.ids === undefined) !== (value.all === undefined), { error: 'send either ids (a list of notification ids) or all: true' })
	.meta({ oneOf: [{ required: ['ids'] }, { required: ['all'] }] });

export const POST = operation({
	summary: 'Mark some of the caller’s notifications read, or all of them',
	access: 'signed-in',
	body: { json: body },
	responses: { 200: { description: 'How many changed, and what is left unread', schema: z.object({ marked: z.int(), unread: z.int() }) } }
});
