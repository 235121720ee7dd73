import { sql } from 'drizzle-orm';
import { bigserial, index, integer, jsonb, pgEnum, pgTable, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { createdAt } from './_helpers.ts';
import { runbookVersions } from './runbooks.ts';
import { users } from './users.ts';
import { RUN_STATUSES, STEP_STATUSES } from '../../runbooks/run-model.ts';
import type { ApprovalView, ChecklistView, ItemsProgress, QueueView, RetryView, RunEventDetails, StepHold } from '../../runbooks/run-projection.ts';

/** DESIGN §3: the states a run and a step can be in (runbooks/run-model.ts names them once). */
export { FINISHED_STEP_STATUSES, RUN_STATUSES, STEP_STATUSES, type RunStatus, type StepStatus } from '../../runbooks/run-model.ts';

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
		/** The schedule that fired this run, or whose "run now" a person pressed. */
		scheduleId: text('schedule_id'),
		inputs: jsonb('inputs').$type<Record<string, unknown>>().notNull().default({}),
		workflowId: text('workflow_id').notNull().unique(),
		error: text('error'),
		/** How many times a person resumed the run from its failed step. */
		resumes: integer('resumes').notNull().default(0),
		/** Set while the run waits its turn on its target. */
		queue: jsonb('queue').$type<QueueView>(),
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
		index('runs_target_created_idx').on(t.target, t.createdAt, t.id),
		index('runs_schedule_created_idx').on(t.scheduleId, t.createdAt)
	]
);

/** The current state of each step, written by the run's workflow at every transition (DESIGN §8). */
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
		error: text('error'),
		/** The name the author gave the step, if any. */
		name: text('name'),
		/** Why the step waits before it starts (emergency stop, window, freeze); null once it may start. */
		hold: jsonb('hold').$type<StepHold>(),
		/** An approval step's or gate's current round, kept after it is decided. */
		approval: jsonb('approval').$type<ApprovalView>(),
		/** A manual step's checklist, kept after it is done. */
		checklist: jsonb('checklist').$type<ChecklistView>(),
		/** A forEach step's progress. */
		items: jsonb('items').$type<ItemsProgress>(),
		/** Set while the step waits for its next attempt. */
		retry: jsonb('retry').$type<RetryView>()
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
		/** What happened (runbooks/run-projection.ts RunEventKind); null on events written before kinds existed. */
		kind: text('kind'),
		details: jsonb('details').$type<RunEventDetails>(),
		/** Kept for events written before kinds: their status word and English text. */
		status: text('status').notNull(),
		message: text('message'),
		at: timestamp('at', { withTimezone: true }).notNull().defaultNow()
	},
	(t) => [index('run_events_run_idx').on(t.runId, t.id)]
);

export type Run = typeof runs.$inferSelect;
export type RunStep = typeof runSteps.$inferSelect;
