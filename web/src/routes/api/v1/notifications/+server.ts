import { json } from '@sveltejs/kit';
import { z } from 'zod';
import { apiUser, formatIssuePath, problem } from '$lib/server/api.ts';
import { listNotifications, unreadCount } from '$lib/server/notifications.ts';
import type { RequestHandler } from './$types';

const querySchema = z.object({
	unread: z.enum(['true', 'false']).optional(),
	limit: z.coerce.number().int().min(1).max(200).default(50)
});

/** The caller's notifications, newest first, with the unread count the bell shows. */
export const GET: RequestHandler = async ({ locals, url }) => {
	const caller = apiUser(locals);
	if (caller instanceof Response) return caller;
	const query = querySchema.safeParse(Object.fromEntries(url.searchParams));
	if (!query.success) {
		return problem(400, 'Bad Request', 'The query is not valid.', query.error.issues.map((issue) => ({ path: formatIssuePath(issue.path), message: issue.message })));
	}
	const [notifications, unread] = await Promise.all([listNotifications(caller.id, { limit: query.data.limit, unreadOnly: query.data.unread === 'true' }), unreadCount(caller.id)]);
	return json({ unread, notifications }, { headers: { 'cache-control': 'no-store' } });
};
