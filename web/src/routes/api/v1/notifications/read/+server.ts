import { json } from '@sveltejs/kit';
import { z } from 'zod';
import { apiUser, parseJsonBody } from '$lib/server/api.ts';
import { markRead, unreadCount } from '$lib/server/notifications.ts';
import type { RequestHandler } from './$types';

const bodySchema = z
	.strictObject({
		ids: z.array(z.uuid('must be a notification id')).min(1, 'name at least one notification').max(500).optional(),
		all: z.literal(true).optional()
	})
	.refine((body) => (body.ids === undefined) !== (body.all === undefined), { error: 'send either ids (a list of notification ids) or all: true' });

/** Marks the caller's notifications read: some by id, or all of them. */
export const POST: RequestHandler = async ({ locals, request }) => {
	const caller = apiUser(locals);
	if (caller instanceof Response) return caller;
	const body = await parseJsonBody(request, bodySchema);
	if (body instanceof Response) return body;
	const marked = await markRead(caller.id, body.all ? { all: true } : { ids: body.ids ?? [] });
	return json({ marked, unread: await unreadCount(caller.id) });
};
