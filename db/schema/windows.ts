import { jsonb, pgTable, text } from 'drizzle-orm/pg-core';
import { timestamps } from './_helpers.ts';

/** Maintenance windows and change freezes (DESIGN §3 `Window`), stored as their validated documents. */
export const windows = pgTable('windows', {
	name: text('name').primaryKey(),
	title: text('title').notNull(),
	kind: text('kind').$type<'maintenance' | 'freeze'>().notNull(),
	document: jsonb('document').$type<Record<string, unknown>>().notNull(),
	...timestamps
});

export type Window = typeof windows.$inferSelect;
