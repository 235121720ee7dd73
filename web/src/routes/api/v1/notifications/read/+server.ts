import { route } from '$lib/server/contract/route.ts';
import { markRead, unreadCount } from '$lib/server/notifications.ts';
import * as contract from './contract.ts';

/** Marks the caller's notifications read: some by id, or all of them. */
export const POST = route(contract.POST, async ({ caller, body, json }) => {
	const marked = await markRead(caller.id, body.all ? { all: true } : { ids: body.ids ?? [] });
	return json(200, { marked, unread: await unreadCount(caller.id) });
});
