import type { RunStatus, StepStatus } from '../../../db/schema/runs.ts';

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
