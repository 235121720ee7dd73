import { fail } from '@sveltejs/kit';
import { z } from 'zod';
import { hasRole, RUNBOOK_READERS } from '$lib/roles.ts';
import { requireUser } from '$lib/server/guard.ts';
import { listNotifications, markRead, unreadCount } from '$lib/server/notifications.ts';
import type { Actions, PageServerLoad } from './$types';

const LIMIT = 100;

/** Everyone signed in has notifications; each sees only their own. */
export const load = (async ({ locals, url }) => {
	const user = requireUser(locals, url);
	const [notifications, unread] = await Promise.all([listNotifications(user.id, { limit: LIMIT }), unreadCount(user.id)]);
	// A member is told about a run but may not open its page; the link would only lead to a refusal.
	return { notifications, unread, limit: LIMIT, canOpenRuns: hasRole(user, ...RUNBOOK_READERS) };
}) satisfies PageServerLoad;

const readForm = z.object({ id: z.uuid() });

export const actions = {
	read: async ({ locals, request, url }) => {
		const user = requireUser(locals, url);
		const parsed = readForm.safeParse(Object.fromEntries(await request.formData()));
		if (!parsed.success) return fail(400, { code: 'not_found' as const, message: 'That notification could not be found; reload the page.' });
		await markRead(user.id, { ids: [parsed.data.id] });
		return { done: 'Marked read.', marked: 1, all: false };
	},
	readAll: async ({ locals, url }) => {
		const user = requireUser(locals, url);
		const marked = await markRead(user.id, { all: true });
		return { done: marked ? `Marked ${marked} notification${marked === 1 ? '' : 's'} read.` : 'Nothing was unread.', marked, all: true };
	}
} satisfies Actions;
