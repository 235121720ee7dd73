import { Context } from '@temporalio/activity';
import { and, eq, inArray, sql } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { runEvents, runs, runSteps, type RunStatus, type StepStatus } from '../db/schema/index.ts';

/**
 * Mirrors what the workflow decides into `runs`, `run_steps` and `run_events`, so pages and the
 * API read plain rows. Every write is idempotent under retry: updates set absolute values and
 * events carry a key derived from the activity that wrote them.
 */
const TERMINAL_STEP: readonly StepStatus[] = ['skipped', 'succeeded', 'failed', 'compensated', 'cancelled'];

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

export function createLedgerActivities({ db }: { db: Db }) {
	return {
		async 'ledger.runStarted'({ runId }: { runId: string }): Promise<void> {
			await db
				.update(runs)
				.set({ status: 'running', startedAt: sql`coalesce(${runs.startedAt}, now())` })
				.where(and(eq(runs.id, runId), eq(runs.status, 'pending')));
			await db.insert(runEvents).values({ runId, key: eventKey(), status: 'running', message: 'run started' }).onConflictDoNothing();
		},

		async 'ledger.stepChanged'(change: StepChange): Promise<void> {
			const terminal = TERMINAL_STEP.includes(change.status);
			await db.transaction(async (tx) => {
				await tx
					.update(runSteps)
					.set({
						status: change.status,
						...(change.status === 'running' ? { startedAt: sql`coalesce(${runSteps.startedAt}, now())` } : {}),
						...(terminal ? { finishedAt: sql`now()` } : {}),
						...(change.outputs !== undefined ? { outputs: change.outputs } : {}),
						...(change.error !== undefined ? { error: change.error } : {})
					})
					.where(and(eq(runSteps.runId, change.runId), eq(runSteps.stepId, change.stepId)));
				await tx
					.insert(runEvents)
					.values({ runId: change.runId, stepId: change.stepId, key: eventKey(), status: change.status, message: change.message ?? change.error ?? null })
					.onConflictDoNothing();
			});
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
export async function recordAttempt(db: Db, runId: string, stepId: string, attempt: number): Promise<void> {
	await db
		.update(runSteps)
		.set({ attempts: sql`greatest(${runSteps.attempts}, ${attempt})`, status: attempt > 1 ? 'retrying' : 'running', startedAt: sql`coalesce(${runSteps.startedAt}, now())` })
		.where(and(eq(runSteps.runId, runId), eq(runSteps.stepId, stepId), inArray(runSteps.status, ['pending', 'running', 'retrying'])));
	if (attempt > 1) {
		await db.insert(runEvents).values({ runId, stepId, key: eventKey(`:attempt-${attempt}`), status: 'retrying', message: `attempt ${attempt} started` }).onConflictDoNothing();
	}
}
