import { FINISHED_RUN_STATUSES, gateId, guardedStep, isRunFinished, OPEN_STEP_STATUSES, retryDelayMs as policyDelayMs, UNDO_CHECKLIST_STEP, type RunStatus, type StepStatus } from '$runbooks/run-model.ts';
import type { ApprovalView, ChecklistView, ItemsProgress, QueueView, RetryView, RunEventDetails, StepHold } from '$runbooks/run-projection.ts';

export type { RunStatus, StepStatus };
export { FINISHED_RUN_STATUSES, guardedStep, isRunFinished, UNDO_CHECKLIST_STEP };

/** A run as the run page and `GET /api/v1/runs/{id}` describe it; timestamps are ISO strings. */
export interface RunView {
	id: string;
	runbook: string;
	version: number;
	status: RunStatus;
	initiator: string;
	inputs: Record<string, unknown>;
	target: string | null;
	error: string | null;
	createdAt: string;
	startedAt: string | null;
	finishedAt: string | null;
	/** How many times a person resumed the run from its failed step. */
	resumes: number;
	/** While the run waits its turn on its target (`concurrency: target`): the runs ahead of it. */
	queue?: QueueView;
	/** The emergency stop in force while the run is open, if any. */
	emergencyStop?: { reason: string; by: string };
	steps: StepView[];
}

export interface StepView {
	id: string;
	uses: string;
	/** The name the author gave the step, if any. */
	name?: string;
	status: StepStatus;
	attempts: number;
	startedAt: string | null;
	finishedAt: string | null;
	outputs: Record<string, unknown> | null;
	error: string | null;
	/** While the step waits: why (a hold), or for whom (an approval's current round, a checklist). */
	hold?: StepHold;
	approval?: ApprovalView;
	checklist?: ChecklistView;
	items?: ItemsProgress;
	/** While the step waits to try again. */
	retry?: RetryView;
}

export interface RunEventView {
	id: number;
	stepId: string | null;
	/** What happened (runbooks/run-projection.ts); null on events written before kinds existed. */
	kind: string | null;
	details: RunEventDetails | null;
	/** The word its badge shows. */
	status: string;
	/** In English, for scripts; pages render `kind` with `details` in the viewer's language. */
	message: string | null;
	at: string;
}

/** What a run's pinned runbook version says about one of its steps (the ledger keeps only what happened). */
export interface StepFacts {
	/** The steps this one waits for: `needs`, or the step listed before it. */
	needs: string[];
	maxAttempts: number;
	/** The wait before the second attempt; each later wait is `backoff` times the one before, up to the cap. */
	retryIntervalMs: number;
	backoff: number;
	maxRetryIntervalMs?: number;
	/** The step type that undoes this step when the run rolls back. */
	rollback?: string;
}

/**
 * The run's graph as the interpreter plans it (runbooks/run-model.ts): every step waits for its needs,
 * except that a high-risk step with a gate row waits for the gate, which takes over its needs. The
 * undo checklist comes after every step that could not be undone; it stands alone.
 */
export function runGraphEdges(steps: readonly { id: string }[], facts: Record<string, StepFacts>): Array<{ source: string; target: string }> {
	const ids = new Set(steps.map((s) => s.id));
	const needsOf = (id: string): string[] => {
		const guarded = guardedStep(id);
		if (guarded && ids.has(guarded)) return facts[guarded]?.needs ?? [];
		if (ids.has(gateId(id))) return [gateId(id)];
		return facts[id]?.needs ?? [];
	};
	return steps.flatMap((step) => needsOf(step.id).filter((n) => ids.has(n)).map((source) => ({ source, target: step.id })));
}

/** The wait before attempt `attempt` (2 or later) under the step's retry policy, as the interpreter computes it. */
export function retryDelayMs(facts: StepFacts, attempt: number): number {
	return policyDelayMs({ maxAttempts: facts.maxAttempts, initialIntervalMs: facts.retryIntervalMs, backoff: facts.backoff, maxIntervalMs: facts.maxRetryIntervalMs }, attempt);
}

/** Finished, and nothing in it waits for a person any more (a failed rollback's checklist does, after the run has ended). */
export function isRunSettled(run: Pick<RunView, 'status' | 'steps'>): boolean {
	return isRunFinished(run.status) && !run.steps.some((step) => (OPEN_STEP_STATUSES as readonly StepStatus[]).includes(step.status));
}

/** The order outcomes are told in: what went well first, then what did not, then what never ran. */
const OUTCOME_ORDER = ['succeeded', 'failed', 'compensated', 'cancelled', 'skipped'] as const satisfies readonly StepStatus[];

/**
 * How many steps ended each way, for "3 succeeded, 1 failed, 1 cancelled of 5": a bare "5 of 5
 * done" read as success when one step had failed and one was cancelled.
 */
export function stepOutcomes(steps: readonly { status: StepStatus }[]): Array<{ status: StepStatus; n: number }> {
	return OUTCOME_ORDER.map((status) => ({ status, n: steps.filter((step) => step.status === status).length })).filter((outcome) => outcome.n > 0);
}
