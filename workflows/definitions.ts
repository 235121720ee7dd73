import { defineQuery, defineUpdate } from '@temporalio/workflow';
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
	/** Who started the run: four eyes keeps them from deciding its approvals. */
	initiator: { id: string; username: string };
}

/** Who may decide an approval: everyone holding a role, or one user by username. */
export type Principal = `role:${string}` | `user:${string}`;

/** The person behind a decision, as the web layer authenticated them; the workflow checks eligibility itself. */
export interface Actor {
	id: string;
	username: string;
	roles: string[];
}

export interface DecisionRequest {
	stepId: string;
	decision: 'approve' | 'reject';
	comment?: string;
	actor: Actor;
}

export interface DecisionRecord {
	actor: { id: string; username: string };
	decision: 'approve' | 'reject';
	comment?: string;
	/** ISO time at which the decision counted (after it was written to the audit log). */
	at: string;
}

export interface DecisionResult {
	stepId: string;
	/** Where the approval stands with this decision counted: the step itself moves on a moment later. */
	verdict: 'pending' | 'approved' | 'rejected';
	approvals: number;
	quorum: number;
}

/** An approval step or implicit gate as approvers see it. */
export interface ApprovalView {
	stepId: string;
	/** Set on an implicit gate: the high-risk step it guards. */
	gateFor?: string;
	message: string;
	/** Who may decide now: the listed approvers plus every escalation reached so far. */
	approvers: Principal[];
	quorum: number;
	fourEyes: boolean;
	decisions: DecisionRecord[];
	/** What the step's `show` names (or, for a gate, the guarded step's parameters), resolved when the wait began. */
	evidence: Array<{ path: string; value?: unknown; error?: string }>;
	waitingSince: string;
	/** When `onTimeout` applies; absent when the approval waits until decided. */
	deadline?: string;
	onTimeout: 'fail' | 'skip';
	escalations: Array<{ at: string; to: Principal; reached: boolean }>;
}

export interface StepState {
	id: string;
	uses: string;
	status: StepStatus;
	/** The steps this one waits for: `needs`, or the step listed before it, or its implicit gate. */
	needs: string[];
	outputs?: Record<string, unknown>;
	error?: string;
	/** Present once an approval step or gate has started waiting; kept after it is decided. */
	approval?: ApprovalView;
}

export interface RunState {
	status: RunStatus;
	initiator: { id: string; username: string };
	/** Document order, with each implicit gate just before the step it guards. */
	steps: StepState[];
	/** The approvals that can be decided now (the `approval` of every waiting step). */
	pendingApprovals: ApprovalView[];
}

export interface RunbookRunResult {
	status: RunStatus;
	outputs: Record<string, Record<string, unknown>>;
}

export const runStateQuery = defineQuery<RunState>('runState');

/**
 * Approve or reject a waiting approval step. The validator refuses unknown or settled steps,
 * ineligible people, the initiator (four eyes) and second decisions before anything reaches
 * history, so the caller learns at once whether the decision counts.
 */
export const decideUpdate = defineUpdate<DecisionResult, [DecisionRequest]>('decide');

/** Workflow ids are business ids; idempotency keys of side effects derive from them. */
export const runWorkflowId = (runId: string) => `run-${runId}`;

/** The id of the implicit approval gate before a high-risk step; a dot cannot occur in a step id, so it never collides. */
export const gateId = (stepId: string) => `${stepId}.approval`;

/** Failure types a retry cannot mend: the workflow stops retrying them at once. */
export const NON_RETRYABLE_ERROR_TYPES = ['InvalidStepParams', 'PgToolsMissing', 'TargetNotFound', 'SecretNotFound', 'BackupChecksumMismatch', 'BackupNotFound', 'BackupVerifyMismatch', 'ChannelNotSupported'];
