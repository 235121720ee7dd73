import type { RunStatus, StepStatus } from '../../../db/schema/runs.ts';
import type { ApprovalView, ChecklistView, StepHold } from '../../../workflows/definitions.ts';

export type { RunStatus, StepStatus };

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
	queue?: { target: string; behind: string[] };
	/** The emergency stop in force while the run is open, if any. */
	emergencyStop?: { reason: string; by: string };
	steps: StepView[];
}

export interface StepView {
	id: string;
	uses: string;
	status: StepStatus;
	attempts: number;
	startedAt: string | null;
	finishedAt: string | null;
	outputs: Record<string, unknown> | null;
	error: string | null;
	/** From the live workflow while the run is open: why a step waits, and what a person can do about it. */
	hold?: StepHold;
	approval?: ApprovalView;
	checklist?: ChecklistView;
	items?: { total: number; succeeded: number; failed: number; skipped: number };
}

export interface RunEventView {
	id: number;
	stepId: string | null;
	status: string;
	message: string | null;
	at: string;
}

export const FINISHED_RUN_STATUSES: readonly RunStatus[] = ['succeeded', 'failed', 'rolled_back', 'rollback_incomplete', 'cancelled'];

export function isRunFinished(status: string): boolean {
	return (FINISHED_RUN_STATUSES as readonly string[]).includes(status);
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

/** The suffix of an implicit approval gate's id (workflows/definitions.ts gateId). */
const GATE_SUFFIX = '.approval';
/** The checklist a failed rollback leaves for a person (workflows/runbook-run.ts). */
export const UNDO_CHECKLIST_STEP = 'rollback.manual';

/** The high-risk step a gate row guards, if `stepId` is a gate's. */
export const guardedStep = (stepId: string): string | undefined => (stepId.endsWith(GATE_SUFFIX) ? stepId.slice(0, -GATE_SUFFIX.length) : undefined);

/**
 * The run's graph as the interpreter plans it (workflows/plan.ts): every step waits for its needs,
 * except that a high-risk step with a gate row waits for the gate, which takes over its needs. The
 * undo checklist comes after every step that could not be undone; it stands alone.
 */
export function runGraphEdges(steps: readonly { id: string }[], facts: Record<string, StepFacts>): Array<{ source: string; target: string }> {
	const ids = new Set(steps.map((s) => s.id));
	const needsOf = (id: string): string[] => {
		const guarded = guardedStep(id);
		if (guarded && ids.has(guarded)) return facts[guarded]?.needs ?? [];
		if (ids.has(`${id}${GATE_SUFFIX}`)) return [`${id}${GATE_SUFFIX}`];
		return facts[id]?.needs ?? [];
	};
	return steps.flatMap((step) => needsOf(step.id).filter((n) => ids.has(n)).map((source) => ({ source, target: step.id })));
}

/** The wait before attempt `attempt` (2 or later) under the step's retry policy, as Temporal computes it. */
export function retryDelayMs(facts: StepFacts, attempt: number): number {
	const delay = facts.retryIntervalMs * facts.backoff ** Math.max(0, attempt - 2);
	return facts.maxRetryIntervalMs !== undefined ? Math.min(delay, facts.maxRetryIntervalMs) : delay;
}

const OPEN_STEP_STATUSES: readonly StepStatus[] = ['pending', 'waiting', 'running', 'retrying'];

/** Finished, and nothing in it waits for a person any more (a failed rollback's checklist does, after the run has ended). */
export function isRunSettled(run: Pick<RunView, 'status' | 'steps'>): boolean {
	return isRunFinished(run.status) && !run.steps.some((step) => OPEN_STEP_STATUSES.includes(step.status));
}
