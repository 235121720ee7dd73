import { sql } from 'drizzle-orm';
import { bigserial, index, integer, jsonb, pgEnum, pgTable, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { createdAt } from './_helpers.ts';
import { runbookVersions } from './runbooks.ts';
import { users } from './users.ts';

/** DESIGN §3: the states a run and a step can be in. */
export const RUN_STATUSES = ['pending', 'queued', 'running', 'succeeded', 'failed', 'rolled_back', 'rollback_incomplete', 'cancelled'] as const;
export const STEP_STATUSES = ['pending', 'skipped', 'waiting', 'running', 'retrying', 'succeeded', 'failed', 'compensated', 'cancelled'] as const;
/** The states a step ends in: nothing moves it on from these (a resume aside). */
export const FINISHED_STEP_STATUSES = ['skipped', 'succeeded', 'failed', 'compensated', 'cancelled'] as const satisfies readonly (typeof STEP_STATUSES)[number][];
export type RunStatus = (typeof RUN_STATUSES)[number];
export type StepStatus = (typeof STEP_STATUSES)[number];
export const runStatusEnum = pgEnum('run_status', RUN_STATUSES);
export const stepStatusEnum = pgEnum('step_status', STEP_STATUSES);

export const runs = pgTable(
	'runs',
	{
		id: uuid('id').primaryKey(),
		runbookName: text('runbook_name').notNull(),
		versionId: uuid('version_id')
			.notNull()
			.references(() => runbookVersions.id, { onDelete: 'restrict' }),
		version: integer('version').notNull(),
		target: text('target'),
		status: runStatusEnum('status').notNull().default('pending'),
		initiatorId: uuid('initiator_id').references(() => users.id, { onDelete: 'set null' }),
		initiator: text('initiator').notNull(),
		inputs: jsonb('inputs').$type<Record<string, unknown>>().notNull().default({}),
		workflowId: text('workflow_id').notNull().unique(),
		error: text('error'),
		/** How many times a person resumed the run from its failed step. */
		resumes: integer('resumes').notNull().default(0),
		startedAt: timestamp('started_at', { withTimezone: true }),
		finishedAt: timestamp('finished_at', { withTimezone: true }),
		createdAt: createdAt()
	},
	// The run list pages by (created_at, id) under any one filter; each filter has its own ordered index.
	(t) => [
		index('runs_created_idx').on(t.createdAt, t.id),
		index('runs_runbook_created_idx').on(t.runbookName, t.createdAt, t.id),
		index('runs_status_created_idx').on(t.status, t.createdAt, t.id),
		index('runs_initiator_created_idx').on(t.initiator, t.createdAt, t.id),
		index('runs_target_created_idx').on(t.target, t.createdAt, t.id)
	]
);

/** The current state of each step, mirrored from the workflow at every transition. */
export const runSteps = pgTable(
	'run_steps',
	{
		runId: uuid('run_id')
			.notNull()
			.references(() => runs.id, { onDelete: 'cascade' }),
		stepId: text('step_id').notNull(),
		position: integer('position').notNull(),
		uses: text('uses').notNull(),
		status: stepStatusEnum('status').notNull().default('pending'),
		attempts: integer('attempts').notNull().default(0),
		startedAt: timestamp('started_at', { withTimezone: true }),
		finishedAt: timestamp('finished_at', { withTimezone: true }),
		outputs: jsonb('outputs').$type<Record<string, unknown>>(),
		error: text('error')
	},
	// The approvals inbox (and the count beside it in the navigation) looks only for waiting steps.
	(t) => [primaryKey({ columns: [t.runId, t.stepId] }), index('run_steps_waiting_idx').on(t.uses).where(sql`${t.status} = 'waiting'`)]
);

/** Every transition, in order: the step timeline and log. */
export const runEvents = pgTable(
	'run_events',
	{
		id: bigserial('id', { mode: 'number' }).primaryKey(),
		runId: uuid('run_id')
			.notNull()
			.references(() => runs.id, { onDelete: 'cascade' }),
		stepId: text('step_id'),
		/** Derived from the activity that wrote it, so a retried write adds no second row. */
		key: text('key').notNull().unique(),
		status: text('status').notNull(),
		message: text('message'),
		at: timestamp('at', { withTimezone: true }).notNull().defaultNow()
	},
	(t) => [index('run_events_run_idx').on(t.runId, t.id)]
);

export type Run = typeof runs.$inferSelect;
export type RunStep = typeof runSteps.$inferSelect;
