import { index, integer, jsonb, pgEnum, pgTable, text, timestamp, unique, uuid } from 'drizzle-orm/pg-core';
import { createdAt, timestamps } from './_helpers.ts';
import { users } from './users.ts';

/**
 * Drills (DESIGN §5, issue 13): published and versioned like runbooks; each run of one is a
 * workflow (workflows/drill-run.ts) whose projection is its `drill_runs` row.
 */
export const drills = pgTable('drills', {
	id: uuid('id').primaryKey().defaultRandom(),
	name: text('name').notNull().unique(),
	title: text('title').notNull(),
	target: text('target').notNull(),
	latestVersion: integer('latest_version').notNull().default(0),
	builtIn: text('built_in'),
	...timestamps
});

/** A published version is immutable: rows are only ever inserted. */
export const drillVersions = pgTable(
	'drill_versions',
	{
		id: uuid('id').primaryKey().defaultRandom(),
		drillId: uuid('drill_id')
			.notNull()
			.references(() => drills.id, { onDelete: 'cascade' }),
		version: integer('version').notNull(),
		document: jsonb('document').$type<Record<string, unknown>>().notNull(),
		source: text('source').notNull(),
		sha256: text('sha256').notNull(),
		publishedBy: uuid('published_by').references(() => users.id, { onDelete: 'set null' }),
		publishedAt: timestamp('published_at', { withTimezone: true }).notNull().defaultNow()
	},
	(t) => [unique('drill_versions_drill_version_uq').on(t.drillId, t.version)]
);

export const DRILL_RUN_STATUSES = ['preparing', 'waiting_ack', 'recovering', 'verifying', 'passed', 'failed', 'aborted'] as const;
export type DrillRunStatus = (typeof DRILL_RUN_STATUSES)[number];
export const FINISHED_DRILL_STATUSES: readonly DrillRunStatus[] = ['passed', 'failed', 'aborted'];
export const drillRunStatusEnum = pgEnum('drill_run_status', DRILL_RUN_STATUSES);

export interface DrillScores {
	ackMs: number | null;
	rtoMs: number | null;
	rpoMs: number | null;
	rowsLost: Record<string, number>;
	ackMet: boolean | null;
	rtoMet: boolean | null;
	rpoMet: boolean | null;
}

export interface DrillTimelineEntry {
	at: string;
	kind: string;
	details: Record<string, unknown>;
}

export interface DrillDebrief {
	wentWell: string;
	wentBadly: string;
	actionItems: Array<{ title: string; owner: string; due: string; done: boolean }>;
	by: string;
	at: string;
}

export const drillRuns = pgTable(
	'drill_runs',
	{
		id: uuid('id').primaryKey(),
		drillName: text('drill_name').notNull(),
		versionId: uuid('version_id')
			.notNull()
			.references(() => drillVersions.id, { onDelete: 'restrict' }),
		version: integer('version').notNull(),
		target: text('target').notNull(),
		status: drillRunStatusEnum('status').notNull().default('preparing'),
		workflowId: text('workflow_id').notNull().unique(),
		initiatorId: uuid('initiator_id').references(() => users.id, { onDelete: 'set null' }),
		initiator: text('initiator').notNull(),
		/** The scratch copy: a target registered for this drill alone, and its database on the target's server. */
		scratchTarget: text('scratch_target').unique(),
		scratchDatabase: text('scratch_database'),
		scratchDroppedAt: timestamp('scratch_dropped_at', { withTimezone: true }),
		/** Where the copy came from: a catalogued backup's id, or `snapshot` (a pg_dump taken at the start). */
		scratchSource: text('scratch_source'),
		recoveryRunId: uuid('recovery_run_id'),
		startedAt: timestamp('started_at', { withTimezone: true }).notNull().defaultNow(),
		faultAt: timestamp('fault_at', { withTimezone: true }),
		acknowledgedAt: timestamp('acknowledged_at', { withTimezone: true }),
		acknowledgedBy: text('acknowledged_by'),
		recoveredAt: timestamp('recovered_at', { withTimezone: true }),
		finishedAt: timestamp('finished_at', { withTimezone: true }),
		/** Why it failed or was aborted: the verification's finding, or who stopped it and why. */
		finding: text('finding'),
		scores: jsonb('scores').$type<DrillScores>(),
		timeline: jsonb('timeline').$type<DrillTimelineEntry[]>().notNull().default([]),
		debrief: jsonb('debrief').$type<DrillDebrief>(),
		createdAt: createdAt()
	},
	(t) => [index('drill_runs_drill_idx').on(t.drillName, t.startedAt)]
);

export type Drill = typeof drills.$inferSelect;
export type DrillRun = typeof drillRuns.$inferSelect;
