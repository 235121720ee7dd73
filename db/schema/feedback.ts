import { sql } from 'drizzle-orm';
import { bigserial, index, jsonb, pgEnum, pgTable, primaryKey, text, timestamp, uuid, type AnyPgColumn } from 'drizzle-orm/pg-core';
import { FEEDBACK_PRIORITIES, FEEDBACK_STATUSES, FEEDBACK_TYPES } from '../../shared/feedback-model.ts';
import { createdAt, timestamps } from './_helpers.ts';
import { runStatusEnum, runs } from './runs.ts';
import { users } from './users.ts';

export const feedbackTypeEnum = pgEnum('feedback_type', FEEDBACK_TYPES);
export const feedbackStatusEnum = pgEnum('feedback_status', FEEDBACK_STATUSES);
export const feedbackPriorityEnum = pgEnum('feedback_priority', FEEDBACK_PRIORITIES);

/**
 * A bug, request or question someone submitted about a target. The row is the item's state, written
 * by the web app (a person's change, with who and when) or by the run ledger (a linked run that
 * succeeded); its workflow `feedback-<id>` keeps the triage clock and tells people.
 */
export const feedbackItems = pgTable(
	'feedback_items',
	{
		id: uuid('id').primaryKey().defaultRandom(),
		/** A target's name; kept as text so an item outlives a target that is removed. */
		target: text('target').notNull(),
		type: feedbackTypeEnum('type').notNull(),
		title: text('title').notNull(),
		body: text('body').notNull().default(''),
		status: feedbackStatusEnum('status').notNull().default('new'),
		priority: feedbackPriorityEnum('priority').notNull().default('normal'),
		submitterId: uuid('submitter_id').references(() => users.id, { onDelete: 'set null' }),
		submitter: text('submitter').notNull(),
		assigneeId: uuid('assignee_id').references(() => users.id, { onDelete: 'set null' }),
		/** Set when the item was merged into another (status `duplicate`). */
		duplicateOf: uuid('duplicate_of').references((): AnyPgColumn => feedbackItems.id, { onDelete: 'set null' }),
		/** Who closed it and when; a run that closed it is named in `closedByRun`. */
		closedAt: timestamp('closed_at', { withTimezone: true }),
		closedBy: text('closed_by'),
		closedByRun: uuid('closed_by_run').references(() => runs.id, { onDelete: 'set null' }),
		...timestamps
	},
	(t) => [index('feedback_items_status_idx').on(t.status, t.createdAt), index('feedback_items_target_idx').on(t.target), index('feedback_items_submitter_idx').on(t.submitterId)]
);

/**
 * An item's timeline: submitted, every change with who and when, comments, reminders, linked runs
 * and their outcomes. `key` makes a write from a retried activity land once.
 */
export const feedbackEvents = pgTable(
	'feedback_events',
	{
		id: uuid('id').primaryKey().defaultRandom(),
		/** The timeline's order: entries written in one transaction share their `at`. */
		seq: bigserial('seq', { mode: 'number' }).notNull(),
		itemId: uuid('item_id')
			.notNull()
			.references(() => feedbackItems.id, { onDelete: 'cascade' }),
		kind: text('kind').notNull(),
		actorId: uuid('actor_id').references(() => users.id, { onDelete: 'set null' }),
		/** A person's username, or `system` for what the workflow or a run did. */
		actor: text('actor').notNull(),
		details: jsonb('details').$type<Record<string, unknown>>().notNull().default({}),
		key: text('key').unique(),
		at: timestamp('at', { withTimezone: true }).notNull().defaultNow()
	},
	(t) => [index('feedback_events_item_idx').on(t.itemId, t.seq)]
);

/** A run meant to fix an item; `outcome` is set once, when the run ends (the run ledger settles it). */
export const feedbackLinks = pgTable(
	'feedback_links',
	{
		itemId: uuid('item_id')
			.notNull()
			.references(() => feedbackItems.id, { onDelete: 'cascade' }),
		runId: uuid('run_id')
			.notNull()
			.references(() => runs.id, { onDelete: 'cascade' }),
		linkedBy: text('linked_by').notNull(),
		outcome: runStatusEnum('outcome'),
		settledAt: timestamp('settled_at', { withTimezone: true }),
		createdAt: createdAt()
	},
	(t) => [primaryKey({ columns: [t.itemId, t.runId] }), index('feedback_links_run_idx').on(t.runId).where(sql`${t.outcome} is null`)]
);

export type FeedbackItem = typeof feedbackItems.$inferSelect;
export type FeedbackEvent = typeof feedbackEvents.$inferSelect;

/** One vote per person per item; carried over to the item a duplicate is merged into. */
export const feedbackVotes = pgTable(
	'feedback_votes',
	{
		itemId: uuid('item_id')
			.notNull()
			.references(() => feedbackItems.id, { onDelete: 'cascade' }),
		userId: uuid('user_id')
			.notNull()
			.references(() => users.id, { onDelete: 'cascade' }),
		createdAt: createdAt()
	},
	(t) => [primaryKey({ columns: [t.itemId, t.userId] })]
);

/** People told when the item closes besides its submitter; carried over on a merge, with the duplicate's submitter. */
export const feedbackWatchers = pgTable(
	'feedback_watchers',
	{
		itemId: uuid('item_id')
			.notNull()
			.references(() => feedbackItems.id, { onDelete: 'cascade' }),
		userId: uuid('user_id')
			.notNull()
			.references(() => users.id, { onDelete: 'cascade' }),
		createdAt: createdAt()
	},
	(t) => [primaryKey({ columns: [t.itemId, t.userId] })]
);
