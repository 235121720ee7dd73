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
