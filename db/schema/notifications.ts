import { index, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { createdAt } from './_helpers.ts';
import { runs } from './runs.ts';
import { users } from './users.ts';

/** In-app notifications (`notify` with `channel: in-app`): one row per recipient; unread until `read_at`. */
export const notifications = pgTable(
	'notifications',
	{
		id: uuid('id').primaryKey().defaultRandom(),
		userId: uuid('user_id')
			.notNull()
			.references(() => users.id, { onDelete: 'cascade' }),
		/** Derived from run, step and recipient: a retried delivery adds no second row. */
		key: text('key').notNull().unique(),
		title: text('title').notNull(),
		body: text('body').notNull().default(''),
		link: text('link'),
		runId: uuid('run_id').references(() => runs.id, { onDelete: 'set null' }),
		readAt: timestamp('read_at', { withTimezone: true }),
		createdAt: createdAt()
	},
	(t) => [index('notifications_user_idx').on(t.userId, t.createdAt)]
);

export type Notification = typeof notifications.$inferSelect;
