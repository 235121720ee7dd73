import { and, count, desc, eq, inArray, isNull } from 'drizzle-orm';
import { notifications } from '../../../../db/schema/index.ts';
import { getDb as db } from './db.ts';

/**
 * A person's in-app notifications (written by `notify` with `channel: in-app`). Everything here is
 * scoped to one user: nobody reads or marks another's. Marking read is not audited: it is the
 * reader's own bookkeeping, like an inbox, and changes nothing anyone else relies on.
 */
export interface NotificationView {
	id: string;
	title: string;
	body: string;
	link: string | null;
	runId: string | null;
	read: boolean;
	readAt: Date | null;
	createdAt: Date;
}

export async function listNotifications(userId: string, options: { limit?: number; unreadOnly?: boolean } = {}): Promise<NotificationView[]> {
	const rows = await db()
		.select({ id: notifications.id, title: notifications.title, body: notifications.body, link: notifications.link, runId: notifications.runId, readAt: notifications.readAt, createdAt: notifications.createdAt })
		.from(notifications)
		.where(and(eq(notifications.userId, userId), options.unreadOnly ? isNull(notifications.readAt) : undefined))
		.orderBy(desc(notifications.createdAt), desc(notifications.id))
		.limit(options.limit ?? 50);
	return rows.map((row) => ({ ...row, read: row.readAt !== null }));
}

export async function unreadCount(userId: string): Promise<number> {
	const [row] = await db().select({ n: count() }).from(notifications).where(and(eq(notifications.userId, userId), isNull(notifications.readAt)));
	return row?.n ?? 0;
}

/** Marks the given notifications (or all) read; ids that are not the user's are left alone. Returns how many changed. */
export async function markRead(userId: string, which: { ids: string[] } | { all: true }): Promise<number> {
	if ('ids' in which && which.ids.length === 0) return 0;
	const changed = await db()
		.update(notifications)
		.set({ readAt: new Date() })
		.where(and(eq(notifications.userId, userId), isNull(notifications.readAt), 'ids' in which ? inArray(notifications.id, which.ids) : undefined))
		.returning({ id: notifications.id });
	return changed.length;
}
