import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { and, eq, inArray, sql } from 'drizzle-orm';
import { runs, runSteps } from '$db/schema/index.ts';
import { isRunFinished, OPEN_RUN_STATUSES, OPEN_STEP_STATUSES, type RunStatus } from '$runbooks/run-model.ts';
import { appendAudit } from '$shared/audit.ts';
import { config } from '$shared/config.ts';
import { startRunbookRun, TemporalUnavailableError } from '$shared/run-start.ts';
import { cancelAct } from '$workflows/acts.ts';
import { cancelRunUpdate, type Actor } from '$workflows/definitions.ts';
import { DecisionRefusedError, proveAct, sendRunUpdate } from './approvals.ts';
import { getDb as db } from './db.ts';
import { currentVersionOf } from './runbooks.ts';
import { temporalClient } from './temporal.ts';

export { RunbookNotFoundError, RunInputError, TemporalUnavailableError } from '$shared/run-start.ts';

/**
 * Starts a run of a published version (the latest unless `version` pins one); see
 * shared/run-start.ts, which schedules use too. Throws RunbookNotFoundError, RunInputError, or
 * TemporalUnavailableError when Temporal cannot be reached (nothing is left behind then).
 */
export async function startRun(args: {
	runbookName: string;
	version?: number;
	inputs: Record<string, unknown>;
	initiator: { id: string; username: string };
	/** Authors may start any published version; everyone else the current one (latest, or the one an author pinned). */
	mayPickVersion: boolean;
}): Promise<{ id: string }> {
	if (args.version !== undefined && !args.mayPickVersion) {
		const current = await currentVersionOf(args.runbookName);
		if (current !== null && current !== args.version) throw new RunVersionError(current);
	}
	const client = await temporalClient().catch((error: unknown) => {
		throw new TemporalUnavailableError(`Temporal cannot be reached: ${(error as Error).message}`, { cause: error });
	});
	const { runbookName, version, inputs, initiator } = args;
	const { id } = await startRunbookRun(
		{ db: db(), workflows: client.workflow, taskQueue: config().TEND_TASK_QUEUE, withDeadline: (deadline, fn) => client.withDeadline(deadline, fn) },
		{ runbookName, version, inputs, initiator }
	);
	return { id };
}

/** An older (or newer) version than the one in force, asked for by someone who may not pick versions. */
export class RunVersionError extends Error {
	override name = 'RunVersionError';
	constructor(readonly currentVersion: number) {
		super(`only version ${currentVersion}, the one runs start now, may be started; an author can start another or pin it`);
	}
}

export class RunStateError extends Error {
	override name = 'RunStateError';
}

export class RunNotFoundError extends Error {
	override name = 'RunNotFoundError';
}

/**
 * Asks the run to cancel, as `actor`: the workflow records who did (with the act's proof) and
 * then stops its steps and compensates with `rollback`. A run of engine v1 has no cancel Update;
 * it gets Temporal's own cancel, audited here.
 */
export async function cancelRun(id: string, actor: Actor, reason?: string): Promise<void> {
	const [run] = await db().select({ status: runs.status, workflowId: runs.workflowId }).from(runs).where(eq(runs.id, id));
	if (!run) throw new RunNotFoundError(`no run "${id}"`);
	if (isRunFinished(run.status)) throw new RunStateError(`the run has already ended (${run.status.replace('_', ' ')})`);
	const request = { actor, ...(reason ? { reason } : {}) };
	try {
		await sendRunUpdate(id, cancelRunUpdate, [{ ...request, proof: proveAct(cancelAct(id, request)) }], `cancel-${id}-${actor.id}`);
		// The run stops on the Update; Temporal's own cancel makes Temporal record it as cancelled too.
		await (await temporalClient()).workflow.getHandle(run.workflowId).cancel().catch(() => {});
		return;
	} catch (error) {
		if (error instanceof DecisionRefusedError) throw new RunStateError(error.message);
		if (!isUnknownUpdate(error)) throw error;
	}
	await appendAudit(db(), { actor: actor.username, action: 'run.cancel', subject: `run:${id}`, details: reason ? { reason } : {} });
	const handle = (await temporalClient()).workflow.getHandle(run.workflowId);
	try {
		const described = await handle.describe();
		if (described.status.name === 'RUNNING') {
			await handle.cancel();
			return;
		}
		// Engine v1 could close without writing its end (a cancel landing as it finished): mend the record from Temporal's.
		await settleClosedRun(id, CLOSED_STATUS[described.status.name] ?? 'failed');
		throw new RunStateError('the run has already ended');
	} catch (error) {
		if (error instanceof WorkflowNotFoundError) throw new RunStateError('the run has already ended');
		throw error;
	}
}

const CLOSED_STATUS: Record<string, RunStatus> = { COMPLETED: 'succeeded', FAILED: 'failed', CANCELLED: 'cancelled', TERMINATED: 'cancelled', TIMED_OUT: 'failed' };

/** Writes the end of a run whose workflow closed without writing it; its open steps end cancelled. */
async function settleClosedRun(id: string, status: RunStatus): Promise<void> {
	await db().transaction(async (tx) => {
		const updated = await tx
			.update(runs)
			.set({ status, finishedAt: sql`coalesce(${runs.finishedAt}, now())`, error: sql`coalesce(${runs.error}, 'its workflow closed without recording how the run ended')` })
			.where(and(eq(runs.id, id), inArray(runs.status, [...OPEN_RUN_STATUSES])))
			.returning({ id: runs.id });
		if (!updated.length) return;
		await tx.update(runSteps).set({ status: 'cancelled', finishedAt: sql`now()` }).where(and(eq(runSteps.runId, id), inArray(runSteps.status, [...OPEN_STEP_STATUSES])));
		await appendAudit(tx, { actor: 'tend', action: 'run.settle', subject: `run:${id}`, details: { status } });
	});
}

/** An Update the workflow has no handler for: a run started on engine v1. */
function isUnknownUpdate(error: unknown): boolean {
	return error instanceof WorkflowUpdateFailedError && error.cause instanceof ApplicationFailure && /no registered handler|update handler/i.test(error.cause.message);
}
