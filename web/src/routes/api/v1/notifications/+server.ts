import { route } from '$lib/server/contract/route.ts';
import { listNotifications, unreadCount } from '$lib/server/notifications.ts';
import * as contract from './contract.ts';

/** The caller's notifications, newest first, with the unread count the bell shows. */
export const GET = route(contract.GET, async ({ caller, query, json }) => {
	const [notifications, unread] = await Promise.all([listNotifications(caller.id, { limit: query.limit, unreadOnly: query.unread === 'true' }), unreadCount(caller.id)]);
	return json(200, { unread, notifications }, { 'cache-control': 'no-store' });
});
