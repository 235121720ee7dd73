import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { and, desc, eq, inArray, isNull } from 'drizzle-orm';
import { emergencyStops, runs, runSteps, type EmergencyStop } from '$db/schema/index.ts';
import { OPEN_RUN_STATUSES } from '$runbooks/run-model.ts';
import { appendAudit } from '$shared/audit.ts';
import { config } from '$shared/config.ts';
import { existingRunInput } from '$shared/run-start.ts';
import { checklistAct, overrideAct } from '$workflows/acts.ts';
import { checklistUpdate, emergencyStopSignal, overrideFreezeUpdate, type Actor, type ChecklistView, type EmergencyStopNotice, type ResumedStep, type ResumeState } from '$workflows/definitions.ts';
import type { runbookRun } from '$workflows/runbook-run.ts';
import { proveAct, sendRunUpdate } from './approvals.ts';
import { tellOpenDrills } from './drills.ts';
import { getDb as db } from './db.ts';
import { RunNotFoundError, RunStateError } from './runs.ts';

export { RunNotFoundError };
import { temporalClient } from './temporal.ts';

/** Ticks off items of a manual step's checklist; the workflow checks the person is an assignee. */
export function tickChecklist(runId: string, stepId: string, items: number[], notes: string | undefined, actor: Actor): Promise<ChecklistView> {
	const request = { stepId, items, actor, ...(notes ? { notes } : {}) };
	return sendRunUpdate(runId, checklistUpdate, [{ ...request, proof: proveAct(checklistAct(runId, request)) }], `checklist-${stepId}-${actor.id}-${[...items].sort((a, b) => a - b).join('.')}`);
}

/** Lets a step run through a change freeze; the workflow checks the person is an approver other than the initiator. */
export function overrideFreeze(runId: string, stepId: string, reason: string, actor: Actor): Promise<{ stepId: string }> {
	const request = { stepId, reason, actor };
	return sendRunUpdate(runId, overrideFreezeUpdate, [{ ...request, proof: proveAct(overrideAct(runId, request)) }], `override-${stepId}-${actor.id}`);
}

/**
 * Resumes a failed run from its failed step, once a person has fixed the cause: a new execution of
 * the same workflow id, told which steps finished and with what outputs, so they are not repeated
 * (approvals included, while their binding to version, inputs and target holds). The run's row
 * goes back to pending and its failed and cancelled steps to pending, in the transaction that
 * starts the workflow, so a failed start changes nothing.
 */
export async function resumeRun(runId: string, actor: { username: string }): Promise<{ id: string; resumes: number }> {
	const [run] = await db().select().from(runs).where(eq(runs.id, runId));
	if (!run) throw new RunNotFoundError(`no run "${runId}"`);
	if (run.status !== 'failed') throw new RunStateError(`only a failed run can be resumed; this one is ${run.status.replace('_', ' ')}`);
	const client = await temporalClient();

	const input = (await existingRunInput(db(), runId))!;
	const steps = await db().select().from(runSteps).where(eq(runSteps.runId, runId));
	const resume: ResumeState = {
		count: run.resumes + 1,
		steps: Object.fromEntries(
			steps.flatMap((s): Array<[string, ResumedStep]> =>
				s.status === 'succeeded' ? [[s.stepId, { status: 'succeeded', outputs: s.outputs ?? {} }]] : s.status === 'skipped' ? [[s.stepId, { status: 'skipped' }]] : []
			)
		)
	};
	await db().transaction(async (tx) => {
		const updated = await tx
			.update(runs)
			.set({ status: 'pending', error: null, finishedAt: null, resumes: run.resumes + 1 })
			.where(and(eq(runs.id, runId), eq(runs.status, 'failed')))
			.returning({ id: runs.id });
		if (!updated.length) throw new RunStateError('the run changed while it was being resumed; reload and try again');
		await tx
			.update(runSteps)
			.set({ status: 'pending', error: null, finishedAt: null })
			.where(and(eq(runSteps.runId, runId), inArray(runSteps.status, ['failed', 'cancelled', 'pending', 'waiting', 'running', 'retrying'])));
		await appendAudit(tx, { actor: actor.username, action: 'run.resume', subject: `run:${runId}`, details: { resumes: run.resumes + 1, carriedOver: Object.keys(resume.steps) } });
		try {
			// Inside the transaction on purpose: the rows go back to pending only if the workflow starts.
			await client.workflow.start<typeof runbookRun>('runbookRun', { taskQueue: config().TEND_TASK_QUEUE, workflowId: run.workflowId, args: [{ ...input, resume }] });
		} catch (error) {
			// The failed run's workflow writes its outcome a moment before it closes.
			if (error instanceof WorkflowExecutionAlreadyStartedError) throw new RunStateError('the run is still finishing; try again in a moment');
			throw error;
		}
	});
	return { id: runId, resumes: run.resumes + 1 };
}

export type EmergencyStopView = Pick<EmergencyStop, 'id' | 'reason' | 'startedByName' | 'startedAt' | 'liftedByName' | 'liftedAt'>;

/** The stop in force, for the banner every page shows. */
export async function activeEmergencyStop(): Promise<{ reason: string; by: string } | null> {
	const [stop] = await db().select({ reason: emergencyStops.reason, by: emergencyStops.startedByName }).from(emergencyStops).where(isNull(emergencyStops.liftedAt)).limit(1);
	return stop ?? null;
}

export async function emergencyStopStatus(): Promise<{ active: EmergencyStopView | null; history: EmergencyStopView[] }> {
	const history = await db().select().from(emergencyStops).orderBy(desc(emergencyStops.startedAt)).limit(10);
	const view = (s: EmergencyStop): EmergencyStopView => ({ id: s.id, reason: s.reason, startedByName: s.startedByName, startedAt: s.startedAt, liftedByName: s.liftedByName, liftedAt: s.liftedAt });
	const active = history.find((s) => !s.liftedAt);
	return { active: active ? view(active) : null, history: history.map(view) };
}

/** Tells every open run; a run that ends meanwhile has no risky step left to pause. */
async function tellOpenRuns(notice: EmergencyStopNotice): Promise<number> {
	const open = await db().select({ workflowId: runs.workflowId }).from(runs).where(inArray(runs.status, [...OPEN_RUN_STATUSES]));
	const client = await temporalClient();
	const told = await Promise.allSettled(open.map((r) => client.workflow.getHandle(r.workflowId).signal(emergencyStopSignal, notice)));
	// A drill in progress is aborted by a stop (its scratch copy torn down); a lift has nothing to resume there.
	if (notice.active) await tellOpenDrills(notice).catch(() => 0);
	return told.filter((t) => t.status === 'fulfilled').length;
}

export class EmergencyStopStateError extends Error {
	override name = 'EmergencyStopStateError';
}

/**
 * An admin's emergency stop: every risky step in every run waits until it is lifted. Written
 * first, then signalled: a run starting in between reads it at start-up.
 */
export async function startEmergencyStop(actor: { id: string; username: string }, reason: string): Promise<{ stop: EmergencyStopView; runsTold: number }> {
	const stop = await db().transaction(async (tx) => {
		const [active] = await tx.select({ id: emergencyStops.id }).from(emergencyStops).where(isNull(emergencyStops.liftedAt)).for('update');
		if (active) throw new EmergencyStopStateError('an emergency stop is already in force; lift it before starting another');
		const [row] = await tx.insert(emergencyStops).values({ reason, startedBy: actor.id, startedByName: actor.username }).returning();
		await appendAudit(tx, { actor: actor.username, action: 'emergency.stop', subject: `emergency-stop:${row.id}`, details: { reason } });
		return row;
	});
	const runsTold = await tellOpenRuns({ id: stop.id, active: true, reason, by: actor.username });
	return { stop: { id: stop.id, reason: stop.reason, startedByName: stop.startedByName, startedAt: stop.startedAt, liftedByName: null, liftedAt: null }, runsTold };
}

export async function liftEmergencyStop(actor: { id: string; username: string }, note?: string): Promise<{ stop: EmergencyStopView; runsTold: number }> {
	const stop = await db().transaction(async (tx) => {
		const [row] = await tx
			.update(emergencyStops)
			.set({ liftedAt: new Date(), liftedBy: actor.id, liftedByName: actor.username })
			.where(isNull(emergencyStops.liftedAt))
			.returning();
		if (!row) throw new EmergencyStopStateError('no emergency stop is in force');
		await appendAudit(tx, { actor: actor.username, action: 'emergency.lift', subject: `emergency-stop:${row.id}`, details: note ? { note } : {} });
		return row;
	});
	const runsTold = await tellOpenRuns({ id: stop.id, active: false, reason: stop.reason, by: stop.startedByName });
	return { stop: { id: stop.id, reason: stop.reason, startedByName: stop.startedByName, startedAt: stop.startedAt, liftedByName: stop.liftedByName, liftedAt: stop.liftedAt }, runsTold };
}
