import { defineQuery } from '@temporalio/workflow';
import type { RunStatus, StepStatus } from '../db/schema/runs.ts';
import type { RunbookDocument } from '../runbooks/schema.ts';

/** Messages, inputs and ids shared by web, worker and tests (STYLE rule 4). */

export interface TargetContext {
	name: string;
	title: string;
	urls: Record<string, string>;
}

export interface RunbookRunInput {
	runId: string;
	runbook: { name: string; version: number };
	/** The pinned version's document: a run never sees a later edit. */
	document: RunbookDocument;
	inputs: Record<string, unknown>;
	target: TargetContext | null;
	initiator: { id: string; username: string };
}

export interface StepState {
	id: string;
	uses: string;
	status: StepStatus;
	outputs?: Record<string, unknown>;
	error?: string;
}

export interface RunState {
	status: RunStatus;
	steps: StepState[];
}

export interface RunbookRunResult {
	status: RunStatus;
	outputs: Record<string, Record<string, unknown>>;
}

export const runStateQuery = defineQuery<RunState>('runState');

/** Workflow ids are business ids; idempotency keys of side effects derive from them. */
export const runWorkflowId = (runId: string) => `run-${runId}`;

/** Failure types a retry cannot mend: the workflow stops retrying them at once. */
export const NON_RETRYABLE_ERROR_TYPES = ['InvalidStepParams', 'PgToolsMissing', 'TargetNotFound', 'SecretNotFound', 'BackupChecksumMismatch', 'BackupNotFound', 'BackupVerifyMismatch', 'ChannelNotSupported'];
