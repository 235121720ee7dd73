import { createHash } from 'node:crypto';
import { ApplicationFailure, type UpdateDefinition } from '@temporalio/common';
import { WorkflowNotFoundError, WorkflowUpdateFailedError, WorkflowUpdateRPCTimeoutOrCancelledError } from '@temporalio/client';
import { and, eq, inArray, isNotNull } from 'drizzle-orm';
import { runs, runSteps } from '$db/schema/index.ts';
import { OPEN_RUN_STATUSES } from '$runbooks/run-model.ts';
import { config } from '$shared/config.ts';
import { runProofKey, signRunAct } from '$shared/run-proofs.ts';
import { describeMissing, missingTraining, requiredTraining, type MissingTraining } from '$shared/training-gate.ts';
import { decisionAct, type RunAct } from '$workflows/acts.ts';
import { decisionRefusal, settledRefusal } from '$workflows/approvals.ts';
import { decideUpdate, type Actor, type ApprovalView, type DecisionResult } from '$workflows/definitions.ts';
import { getDb as db } from './db.ts';
import { temporalClient } from './temporal.ts';
import { isRunId } from './views/runs.ts';

/** Why an act did not count, with the HTTP status that says so. */
export class DecisionRefusedError extends Error {
	override name = 'DecisionRefusedError';
	constructor(
		readonly status: number,
		message: string,
		/** Members of the problem a client can act on (`trainingRequired`). */
		readonly extensions?: Record<string, unknown>
	) {
		super(message);
	}
}

/** Approving needs a training the person does not hold (a step's `requires: { training }`). */
export class TrainingRequiredError extends DecisionRefusedError {
	override name = 'TrainingRequiredError';
	constructor(readonly missing: MissingTraining[]) {
		super(403, `approving this step needs a current completion of ${describeMissing(missing)}`, { trainingRequired: missing });
	}
}

/** The workflow's refusal types (its Update validators) and what they mean over HTTP. */
const REFUSAL_STATUS: Record<string, number> = { InvalidDecision: 400, UnknownStep: 404, StepNotWaiting: 409, AlreadyDecided: 409, FourEyes: 403, NotEligible: 403, ForgedAct: 403 };
const UPDATE_DEADLINE_MS = 15_000;
/** Temporal refuses longer update ids (its limit is a server setting); ids built from a request's values are hashed down to this. */
const MAX_UPDATE_ID_LENGTH = 200;

/** The same id for the same request, of bounded length however many items or however long a step id it names. */
function boundedUpdateId(updateId: string): string {
	if (updateId.length <= MAX_UPDATE_ID_LENGTH) return updateId;
	return `${updateId.split('-')[0]}-${createHash('sha256').update(updateId).digest('hex')}`;
}

let proofKey: Buffer | undefined;

/** Signs a person's act on a run: the worker's ledger checks this before the act counts (shared/run-proofs.ts). */
export function proveAct(act: RunAct): string {
	proofKey ??= runProofKey(config().TEND_SECRET_KEY);
	return signRunAct(proofKey, act);
}

/**
 * Sends a person's act (a decision, a checklist tick, a freeze override, a cancel) to a run's
 * workflow as an Update. The workflow validates it and records it in the audit log before it
 * counts, so the caller learns at once whether it did. The update id makes a retried request
 * return the first answer.
 */
export async function sendRunUpdate<Ret, Arg>(runId: string, update: UpdateDefinition<Ret, [Arg]>, args: [Arg], updateId: string): Promise<Ret> {
	const [run] = await db().select({ workflowId: runs.workflowId, status: runs.status }).from(runs).where(eq(runs.id, runId));
	if (!run) throw new DecisionRefusedError(404, `no run "${runId}"`);
	const client = await temporalClient();
	const handle = client.workflow.getHandle(run.workflowId);
	try {
		return await client.withDeadline(Date.now() + UPDATE_DEADLINE_MS, () => handle.executeUpdate(update, { args, updateId: boundedUpdateId(updateId) }));
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

/** The round an approval is in, from the projection: a decision is for one round. */
async function currentRound(runId: string, stepId: string): Promise<number | undefined> {
	if (!isRunId(runId)) return undefined;
	const [row] = await db()
		.select({ approval: runSteps.approval })
		.from(runSteps)
		.where(and(eq(runSteps.runId, runId), eq(runSteps.stepId, stepId)));
	return row?.approval?.round;
}

/**
 * Approve or reject the approval's current round. The same person sending the other decision is
 * a new Update, which the validator refuses; a round asked again takes new decisions.
 */
export async function decide(runId: string, stepId: string, decision: 'approve' | 'reject', comment: string | undefined, actor: Actor): Promise<DecisionResult> {
	// Anyone eligible may still reject: the gate guards the approval, which lets the risky work go ahead.
	if (decision === 'approve' && isRunId(runId)) {
		const missing = await missingTraining(db(), actor.id, await requiredTraining(db(), runId, stepId));
		if (missing.length) throw new TrainingRequiredError(missing);
	}
	const round = await currentRound(runId, stepId);
	const request = { stepId, decision, ...(comment ? { comment } : {}), ...(round !== undefined ? { round } : {}), actor };
	const proof = proveAct(decisionAct(runId, request));
	try {
		return await sendRunUpdate(runId, decideUpdate, [{ ...request, proof }], `decide-${stepId}-${actor.id}-${decision}-${round ?? 0}`);
	} catch (error) {
		// The deciding decision may have ended the run a moment ago: say what was decided, not only that the run ended.
		if (error instanceof DecisionRefusedError && error.status === 409) {
			const decided = await decidedRefusal(runId, stepId);
			if (decided) throw new DecisionRefusedError(409, decided);
		}
		throw error;
	}
}

async function decidedRefusal(runId: string, stepId: string): Promise<string | undefined> {
	const [row] = await db()
		.select({ approval: runSteps.approval })
		.from(runSteps)
		.where(and(eq(runSteps.runId, runId), eq(runSteps.stepId, stepId)));
	return row?.approval ? settledRefusal(row.approval, [])?.message : undefined;
}

export interface InboxItem extends ApprovalView {
	/** Trainings the step requires that this person does not hold yet: they must take these before approving. */
	trainingRequired: MissingTraining[];
	runId: string;
	runbook: string;
	version: number;
	target: string | null;
	initiator: string;
}

/**
 * The approvals `actor` may decide now, from the projection alone: each waiting approval's current
 * round, filtered by the same rules the workflow's validator applies (four eyes, eligibility,
 * already decided).
 */
export async function approvalsFor(actor: Actor): Promise<InboxItem[]> {
	const waiting = await db()
		.select({ id: runs.id, runbook: runs.runbookName, version: runs.version, target: runs.target, initiator: runs.initiator, initiatorId: runs.initiatorId, approval: runSteps.approval })
		.from(runSteps)
		.innerJoin(runs, eq(runs.id, runSteps.runId))
		.where(and(eq(runSteps.status, 'waiting'), eq(runSteps.uses, 'approval'), isNotNull(runSteps.approval), inArray(runs.status, [...OPEN_RUN_STATUSES])));
	const items = waiting
		.filter(({ approval }) => approval && !approval.verdict)
		.filter((row) => decisionRefusal(row.approval!, actor, { id: row.initiatorId ?? '', username: row.initiator }) === undefined && !settledRefusal(row.approval!, []))
		.sort((a, b) => a.approval!.waitingSince.localeCompare(b.approval!.waitingSince));
	return Promise.all(
		items.map(async (row) => ({
			...row.approval!,
			trainingRequired: await missingTraining(db(), actor.id, await requiredTraining(db(), row.id, row.approval!.stepId)),
			runId: row.id,
			runbook: row.runbook,
			version: row.version,
			target: row.target,
			initiator: row.initiator
		}))
	);
}
