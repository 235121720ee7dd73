import { index, integer, jsonb, pgTable, text, timestamp, unique, uuid } from 'drizzle-orm/pg-core';
import { timestamps } from './_helpers.ts';
import { users } from './users.ts';

export const runbooks = pgTable('runbooks', {
	id: uuid('id').primaryKey().defaultRandom(),
	name: text('name').notNull().unique(),
	title: text('title').notNull(),
	tags: text('tags').array().notNull().default([]),
	latestVersion: integer('latest_version').notNull().default(0),
	/** The version runs start (operators, schedules, child runs) when an author has pinned one other than the latest. */
	pinnedVersion: integer('pinned_version'),
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

/**
 * The builder's work in progress (DESIGN §6: drafts belong to the builder). One per runbook name,
 * shared by the authors; it may name a runbook not published yet. Publishing goes through the same
 * path as `POST /api/v1/runbooks` and then drops the draft.
 */
export const runbookDrafts = pgTable('runbook_drafts', {
	name: text('name').primaryKey(),
	source: text('source').notNull(),
	/** The published version the draft started from, if any: the builder diffs against it. */
	baseVersion: integer('base_version'),
	updatedBy: uuid('updated_by').references(() => users.id, { onDelete: 'set null' }),
	updatedByName: text('updated_by_name').notNull(),
	updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow()
});

export type Runbook = typeof runbooks.$inferSelect;
export type RunbookVersion = typeof runbookVersions.$inferSelect;
