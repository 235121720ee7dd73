import { index, integer, jsonb, pgTable, text, timestamp, unique, uuid } from 'drizzle-orm/pg-core';
import { timestamps } from './_helpers.ts';
import { users } from './users.ts';

export const runbooks = pgTable('runbooks', {
	id: uuid('id').primaryKey().defaultRandom(),
	name: text('name').notNull().unique(),
	title: text('title').notNull(),
	tags: text('tags').array().notNull().default([]),
	latestVersion: integer('latest_version').notNull().default(0),
	builtIn: text('built_in'),
	...timestamps
});

/** A published version is immutable: rows are only ever inserted. */
export const runbookVersions = pgTable(
	'runbook_versions',
	{
		id: uuid('id').primaryKey().defaultRandom(),
		runbookId: uuid('runbook_id')
			.notNull()
			.references(() => runbooks.id, { onDelete: 'cascade' }),
		version: integer('version').notNull(),
		document: jsonb('document').$type<Record<string, unknown>>().notNull(),
		source: text('source').notNull(),
		sha256: text('sha256').notNull(),
		publishedBy: uuid('published_by').references(() => users.id, { onDelete: 'set null' }),
		publishedAt: timestamp('published_at', { withTimezone: true }).notNull().defaultNow()
	},
	(t) => [unique('runbook_versions_runbook_version_uq').on(t.runbookId, t.version), index('runbook_versions_runbook_idx').on(t.runbookId)]
);

export type Runbook = typeof runbooks.$inferSelect;
export type RunbookVersion = typeof runbookVersions.$inferSelect;
