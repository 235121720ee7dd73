import { ApplicationFailure, type UpdateDefinition } from '@temporalio/common';
import { WorkflowNotFoundError, WorkflowUpdateFailedError, WorkflowUpdateRPCTimeoutOrCancelledError } from '@temporalio/client';
import { and, eq, inArray, max } from 'drizzle-orm';
import { runEvents, runs, runSteps } from '../../../../db/schema/index.ts';
import { decisionRefusal } from '../../../../workflows/approvals.ts';
import { decideUpdate, runStateQuery, type Actor, type ApprovalView, type DecisionResult } from '../../../../workflows/definitions.ts';
import { getDb as db } from './db.ts';
import { temporalClient } from './temporal.ts';
import { isRunId } from './views/runs.ts';

/** Why a decision did not count, with the HTTP status that says so. */
export class DecisionRefusedError extends Error {
	override name = 'DecisionRefusedError';
	constructor(
		readonly status: number,
		message: string
	) {
		super(message);
	}
}

/** The workflow's refusal types (its Update validators) and what they mean over HTTP. */
const REFUSAL_STATUS: Record<string, number> = { InvalidDecision: 400, UnknownStep: 404, StepNotWaiting: 409, AlreadyDecided: 409, FourEyes: 403, NotEligible: 403 };
const UPDATE_DEADLINE_MS = 15_000;

/**
 * Sends a person's decision-like Update (a decision, a checklist tick, a freeze override) to a
 * run's workflow. The workflow validates it and records it in the audit log before it counts, so
 * the caller learns at once whether it did. The update id makes a retried request return the
 * first answer.
 */
export async function sendRunUpdate<Ret, Arg>(runId: string, update: UpdateDefinition<Ret, [Arg]>, args: [Arg], updateId: string): Promise<Ret> {
	const [run] = await db().select({ workflowId: runs.workflowId, status: runs.status }).from(runs).where(eq(runs.id, runId));
	if (!run) throw new DecisionRefusedError(404, `no run "${runId}"`);
	const client = await temporalClient();
	const handle = client.workflow.getHandle(run.workflowId);
	try {
		return await client.withDeadline(Date.now() + UPDATE_DEADLINE_MS, () => handle.executeUpdate(update, { args, updateId }));
	} catch (error) {
		if (error instanceof WorkflowUpdateFailedError && error.cause instanceof ApplicationFailure) {
			throw new DecisionRefusedError(REFUSAL_STATUS[error.cause.type ?? ''] ?? 409, error.cause.message);
		}
		if (error instanceof WorkflowNotFoundError) throw new DecisionRefusedError(409, 'the run has already ended');
		if (error instanceof WorkflowUpdateRPCTimeoutOrCancelledError) throw new DecisionRefusedError(503, 'no worker answered in time; try again in a moment');
		if (error instanceof Error && /workflow execution already completed/i.test(error.message)) throw new DecisionRefusedError(409, 'the run has already ended');
		throw error;
	}
}

/**
 * Approve or reject: the same person sending the other decision is a new Update, which the
 * validator refuses. An approval asked again (its window closed before the step ran) starts a new
 * wait with a new `waiting` event, whose id keeps the new decision apart from the old one.
 */
export async function decide(runId: string, stepId: string, decision: 'approve' | 'reject', comment: string | undefined, actor: Actor): Promise<DecisionResult> {
	const [wait] = isRunId(runId)
		? await db()
				.select({ id: max(runEvents.id) })
				.from(runEvents)
				.where(and(eq(runEvents.runId, runId), eq(runEvents.stepId, stepId), eq(runEvents.status, 'waiting')))
		: [];
	return sendRunUpdate(runId, decideUpdate, [{ stepId, decision, comment, actor }], `decide-${stepId}-${actor.id}-${decision}-${wait?.id ?? 0}`);
}

export interface InboxItem extends ApprovalView {
	runId: string;
	runbook: string;
	version: number;
	target: string | null;
	initiator: string;
}

/**
 * The approvals `actor` may decide now. Candidates come from the run_steps mirror; the live
 * view (escalations, decisions so far) from each run's query, filtered by the same rule the
 * workflow's validator applies.
 */
export async function approvalsFor(actor: Actor): Promise<InboxItem[]> {
	const waiting = await db()
		.selectDistinct({ id: runs.id, workflowId: runs.workflowId, runbook: runs.runbookName, version: runs.version, target: runs.target, initiator: runs.initiator })
		.from(runSteps)
		.innerJoin(runs, eq(runs.id, runSteps.runId))
		.where(and(eq(runSteps.status, 'waiting'), eq(runSteps.uses, 'approval'), inArray(runs.status, ['pending', 'running'])));
	const client = await temporalClient();
	const items = await Promise.all(
		waiting.map(async (run) => {
			try {
				const state = await client.workflow.getHandle(run.workflowId).query(runStateQuery);
				return state.pendingApprovals
					.filter((approval) => decisionRefusal(approval, actor, state.initiator) === undefined)
					.map((approval) => ({ ...approval, runId: run.id, runbook: run.runbook, version: run.version, target: run.target, initiator: run.initiator }));
			} catch {
				// A run that ended between the two reads has nothing left to approve.
				return [];
			}
		})
	);
	return items.flat().sort((a, b) => a.waitingSince.localeCompare(b.waitingSince));
}
