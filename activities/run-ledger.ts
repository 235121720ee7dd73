import { Context } from '@temporalio/activity';
import { and, desc, eq, gte, inArray, isNull, sql } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { emergencyStops, FINISHED_STEP_STATUSES, runEvents, runs, runSteps, type RunStatus, type StepStatus } from '../db/schema/index.ts';
import type { EmergencyStopNotice } from '../workflows/definitions.ts';
import { appendAudit } from '../shared/audit.ts';

/**
 * Mirrors what the workflow decides into `runs`, `run_steps` and `run_events`, so pages and the
 * API read plain rows. Every write is idempotent under retry: updates set absolute values and
 * events carry a key derived from the activity that wrote them.
 */

function eventKey(suffix = ''): string {
	const info = Context.current().info;
	return `${info.workflowExecution?.runId ?? info.workflowExecution?.workflowId}:${info.activityId}${suffix}`;
}

export interface StepChange {
	runId: string;
	stepId: string;
	status: StepStatus;
	outputs?: Record<string, unknown>;
	error?: string;
	message?: string;
}

export interface DecisionEntry {
	runId: string;
	stepId: string;
	actor: { id: string; username: string };
	/** `override` lets a step run through a change freeze; `check` ticks off checklist items. */
	decision: 'approve' | 'reject' | 'override' | 'check';
	comment?: string;
}

const DECISION_VERBS: Record<DecisionEntry['decision'], string> = { approve: 'approved', reject: 'rejected', override: 'freeze overridden', check: 'checked' };

type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];

async function writeStepChange(tx: Tx, change: StepChange, key: string): Promise<void> {
	const terminal = (FINISHED_STEP_STATUSES as readonly StepStatus[]).includes(change.status);
	await tx
		.update(runSteps)
		.set({
			status: change.status,
			// An approval's wait counts as the step's start: the page shows how long it has waited.
			...(change.status === 'running' || change.status === 'waiting' ? { startedAt: sql`coalesce(${runSteps.startedAt}, now())` } : {}),
			...(terminal ? { finishedAt: sql`now()` } : {}),
			...(change.outputs !== undefined ? { outputs: change.outputs } : {}),
			...(change.error !== undefined ? { error: change.error } : {})
		})
		.where(and(eq(runSteps.runId, change.runId), eq(runSteps.stepId, change.stepId)));
	await tx
		.insert(runEvents)
		.values({ runId: change.runId, stepId: change.stepId, key, status: change.status, message: change.message ?? change.error ?? null })
		.onConflictDoNothing();
}

export function createLedgerActivities({ db }: { db: Db }) {
	return {
		/**
		 * Marks the run running and answers the emergency stop in force, if any: the run learns of
		 * stops begun before it existed here, and of later ones by signal.
		 */
		async 'ledger.runStarted'({ runId, resumed }: { runId: string; resumed?: number }): Promise<{ emergencyStop: EmergencyStopNotice | null }> {
			// The run's row is committed by the transaction that starts this workflow, a moment after
			// the start: the event goes first because its foreign key waits for that commit, so the
			// update below sees the row instead of missing it.
			const message = resumed ? `run resumed (${resumed}×)` : 'run started';
			await db.insert(runEvents).values({ runId, key: eventKey(), status: 'running', message }).onConflictDoNothing();
			await db
				.update(runs)
				.set({ status: 'running', startedAt: sql`coalesce(${runs.startedAt}, now())` })
				.where(and(eq(runs.id, runId), inArray(runs.status, ['pending', 'queued'])));
			const [stop] = await db.select().from(emergencyStops).where(isNull(emergencyStops.liftedAt)).orderBy(desc(emergencyStops.startedAt)).limit(1);
			return { emergencyStop: stop ? { id: stop.id, active: true, reason: stop.reason, by: stop.startedByName } : null };
		},

		/** The run waits for its turn on the target; the message names whom it waits behind. */
		async 'ledger.runQueued'({ runId, message }: { runId: string; message: string }): Promise<void> {
			// Event first, as in runStarted: its foreign key waits for the run's row to be committed.
			await db.insert(runEvents).values({ runId, key: eventKey(), status: 'queued', message }).onConflictDoNothing();
			await db.update(runs).set({ status: 'queued' }).where(and(eq(runs.id, runId), eq(runs.status, 'pending')));
		},

		/** A line on a step's timeline that changes nothing else: a forEach item, a hold, a window opening. */
		async 'ledger.stepEvent'({ runId, stepId, status, message }: { runId: string; stepId: string; status: string; message: string }): Promise<void> {
			await db.insert(runEvents).values({ runId, stepId, key: eventKey(), status, message }).onConflictDoNothing();
		},

		async 'ledger.stepChanged'(change: StepChange): Promise<void> {
			await db.transaction((tx) => writeStepChange(tx, change, eventKey()));
		},

		/** Several steps at once, e.g. every step a stopped run never started. */
		async 'ledger.stepsChanged'(changes: StepChange[]): Promise<void> {
			await db.transaction(async (tx) => {
				for (const change of changes) await writeStepChange(tx, change, eventKey(`:${change.stepId}`));
			});
		},

		/**
		 * Adds the run's implicit approval gates to `run_steps`, each just before the step it guards.
		 * A gate already present is left alone, so a retry shifts no position twice.
		 */
		async 'ledger.stepsAdded'({ runId, steps }: { runId: string; steps: Array<{ stepId: string; uses: string; before: string }> }): Promise<void> {
			await db.transaction(async (tx) => {
				for (const step of steps) {
					const [existing] = await tx.select({ stepId: runSteps.stepId }).from(runSteps).where(and(eq(runSteps.runId, runId), eq(runSteps.stepId, step.stepId)));
					if (existing) continue;
					const [before] = await tx.select({ position: runSteps.position }).from(runSteps).where(and(eq(runSteps.runId, runId), eq(runSteps.stepId, step.before)));
					const [last] = await tx.select({ position: sql<number>`coalesce(max(${runSteps.position}) + 1, 0)` }).from(runSteps).where(eq(runSteps.runId, runId));
					const position = before?.position ?? last.position;
					await tx
						.update(runSteps)
						.set({ position: sql`${runSteps.position} + 1` })
						.where(and(eq(runSteps.runId, runId), gte(runSteps.position, position)));
					await tx.insert(runSteps).values({ runId, stepId: step.stepId, position, uses: step.uses });
				}
			});
		},

		/**
		 * One approval decision, on the run's timeline and in the audit log. The event's key makes a
		 * retry a no-op, and the audit entry is written only with a new event, in the same transaction.
		 */
		async 'ledger.decisionRecorded'(entry: DecisionEntry): Promise<void> {
			const verb = DECISION_VERBS[entry.decision];
			await db.transaction(async (tx) => {
				const inserted = await tx
					.insert(runEvents)
					.values({ runId: entry.runId, stepId: entry.stepId, key: eventKey(), status: verb, message: `${verb} by ${entry.actor.username}${entry.comment ? `: ${entry.comment}` : ''}` })
					.onConflictDoNothing()
					.returning({ id: runEvents.id });
				if (!inserted.length) return;
				await appendAudit(tx, {
					actor: entry.actor.username,
					action: `run.step.${entry.decision}`,
					subject: `run:${entry.runId}`,
					details: { stepId: entry.stepId, actorId: entry.actor.id, ...(entry.comment ? { comment: entry.comment } : {}) }
				});
			});
		},

		async 'ledger.approvalEscalated'({ runId, stepId, to }: { runId: string; stepId: string; to: string }): Promise<void> {
			await db.insert(runEvents).values({ runId, stepId, key: eventKey(), status: 'escalated', message: `no decision yet: ${to} may now decide too` }).onConflictDoNothing();
		},

		async 'ledger.runFinished'({ runId, status, error }: { runId: string; status: RunStatus; error?: string }): Promise<void> {
			await db.transaction(async (tx) => {
				await tx.update(runs).set({ status, error: error ?? null, finishedAt: sql`coalesce(${runs.finishedAt}, now())` }).where(eq(runs.id, runId));
				await tx.insert(runEvents).values({ runId, key: eventKey(), status, message: error ?? `run ${status.replace('_', ' ')}` }).onConflictDoNothing();
			});
		}
	};
}

export type LedgerActivities = ReturnType<typeof createLedgerActivities>;

/** Called at the start of every attempt of a step's activity: the attempt count and `retrying` come from here. */
export async function recordAttempt(db: Db, runId: string, itemOrStepId: string, attempt: number): Promise<void> {
	// A forEach item runs as `<step>[<n>]`: its attempts count on the step's row.
	const stepId = itemOrStepId.replace(/\[\d+\]$/, '');
	await db
		.update(runSteps)
		.set({ attempts: sql`greatest(${runSteps.attempts}, ${attempt})`, status: attempt > 1 ? 'retrying' : 'running', startedAt: sql`coalesce(${runSteps.startedAt}, now())` })
		.where(and(eq(runSteps.runId, runId), eq(runSteps.stepId, stepId), inArray(runSteps.status, ['pending', 'running', 'retrying'])));
	// The first attempt puts `running` on the timeline; the workflow no longer writes it for activity steps.
	if (attempt === 1 && itemOrStepId === stepId) await db.insert(runEvents).values({ runId, stepId, key: eventKey(':running'), status: 'running', message: null }).onConflictDoNothing();
	if (attempt > 1) {
		await db.insert(runEvents).values({ runId, stepId, key: eventKey(`:attempt-${attempt}`), status: 'retrying', message: itemOrStepId === stepId ? `attempt ${attempt} started` : `${itemOrStepId.slice(stepId.length)}: attempt ${attempt} started` }).onConflictDoNothing();
	}
}

/**
 * Called when a whole step's activity returns (not a forEach item's, not a compensation's): the
 * step's `succeeded` and outputs are written by the activity itself, which saves the workflow a
 * ledger round trip per step. A retried completion writes the same values under the same key.
 */
export async function recordSuccess(db: Db, runId: string, stepId: string, outputs: Record<string, unknown>): Promise<void> {
	await db.transaction((tx) => writeStepChange(tx, { runId, stepId, status: 'succeeded', outputs }, eventKey(':succeeded')));
}
