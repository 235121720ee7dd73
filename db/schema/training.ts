import { sql } from 'drizzle-orm';
import { boolean, index, integer, jsonb, pgEnum, pgTable, text, timestamp, unique, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { createdAt, timestamps } from './_helpers.ts';
import { users } from './users.ts';

/** Training modules (DESIGN §5), published and versioned like runbooks. */
export const trainingModules = pgTable('training_modules', {
	id: uuid('id').primaryKey().defaultRandom(),
	name: text('name').notNull().unique(),
	title: text('title').notNull(),
	latestVersion: integer('latest_version').notNull().default(0),
	builtIn: text('built_in'),
	...timestamps
});

/** A published version is immutable: rows are only ever inserted. */
export const trainingModuleVersions = pgTable(
	'training_module_versions',
	{
		id: uuid('id').primaryKey().defaultRandom(),
		moduleId: uuid('module_id')
			.notNull()
			.references(() => trainingModules.id, { onDelete: 'cascade' }),
		version: integer('version').notNull(),
		document: jsonb('document').$type<Record<string, unknown>>().notNull(),
		source: text('source').notNull(),
		sha256: text('sha256').notNull(),
		publishedBy: uuid('published_by').references(() => users.id, { onDelete: 'set null' }),
		publishedAt: timestamp('published_at', { withTimezone: true }).notNull().defaultNow()
	},
	(t) => [unique('training_module_versions_module_version_uq').on(t.moduleId, t.version)]
);

export const TRAINING_STATUSES = ['assigned', 'overdue', 'completed', 'expired'] as const;
export type TrainingStatus = (typeof TRAINING_STATUSES)[number];
export const trainingStatusEnum = pgEnum('training_status', TRAINING_STATUSES);

/**
 * One person's assignment of one module; its life is the `trainingAssignment` workflow
 * (`training-<id>`). At most one open assignment per person and module, so assigning twice adds
 * nothing; un-assigning sets `cancelled_at` and ends the workflow. A recertification starts the
 * next `cycle` on the same row.
 */
export const trainingAssignments = pgTable(
	'training_assignments',
	{
		id: uuid('id').primaryKey().defaultRandom(),
		moduleId: uuid('module_id')
			.notNull()
			.references(() => trainingModules.id, { onDelete: 'cascade' }),
		/** The version the current cycle is taken on: a later edit applies from the next cycle. */
		moduleVersion: integer('module_version').notNull(),
		userId: uuid('user_id')
			.notNull()
			.references(() => users.id, { onDelete: 'cascade' }),
		status: trainingStatusEnum('status').notNull().default('assigned'),
		cycle: integer('cycle').notNull().default(1),
		dueAt: timestamp('due_at', { withTimezone: true }).notNull(),
		/** `user:NAME`, `role:NAME` or `run:ID/STEP`: why this person has it. */
		source: text('source').notNull(),
		assignedBy: text('assigned_by').notNull(),
		/** When the person first opened the module in this cycle: time spent counts from here. */
		startedAt: timestamp('started_at', { withTimezone: true }),
		completedAt: timestamp('completed_at', { withTimezone: true }),
		score: integer('score'),
		timeSpentSeconds: integer('time_spent_seconds'),
		/** When the completion stops being current (the module's validity); null for ever. */
		expiresAt: timestamp('expires_at', { withTimezone: true }),
		cancelledAt: timestamp('cancelled_at', { withTimezone: true }),
		...timestamps
	},
	(t) => [
		uniqueIndex('training_assignments_open_uq').on(t.moduleId, t.userId).where(sql`cancelled_at is null`),
		index('training_assignments_user_idx').on(t.userId)
	]
);

export const trainingAttempts = pgTable(
	'training_attempts',
	{
		id: uuid('id').primaryKey().defaultRandom(),
		assignmentId: uuid('assignment_id')
			.notNull()
			.references(() => trainingAssignments.id, { onDelete: 'cascade' }),
		cycle: integer('cycle').notNull(),
		number: integer('number').notNull(),
		moduleVersion: integer('module_version').notNull(),
		answers: jsonb('answers').$type<Record<string, string[]>>().notNull(),
		score: integer('score').notNull(),
		passed: boolean('passed').notNull(),
		submittedAt: createdAt()
	},
	(t) => [unique('training_attempts_number_uq').on(t.assignmentId, t.cycle, t.number)]
);

/**
 * What happened to an assignment (notice, reminder, overdue, escalation, completion, expiry), one
 * row per event under a key derived from assignment, cycle and event: a retried notice finds its
 * row and sends nothing twice.
 */
export const trainingEvents = pgTable(
	'training_events',
	{
		id: uuid('id').primaryKey().defaultRandom(),
		assignmentId: uuid('assignment_id')
			.notNull()
			.references(() => trainingAssignments.id, { onDelete: 'cascade' }),
		key: text('key').notNull().unique(),
		kind: text('kind').$type<'assigned' | 'reminder' | 'overdue' | 'escalation' | 'completed' | 'expired' | 'unassigned'>().notNull(),
		cycle: integer('cycle').notNull(),
		details: jsonb('details').$type<Record<string, unknown>>().notNull().default({}),
		at: createdAt()
	},
	(t) => [index('training_events_assignment_idx').on(t.assignmentId)]
);

export type TrainingModule = typeof trainingModules.$inferSelect;
export type TrainingAssignment = typeof trainingAssignments.$inferSelect;
