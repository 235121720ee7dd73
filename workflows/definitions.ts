import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
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
	/** Set when a person resumes a failed run: what its finished steps left, so they are not repeated. */
	resume?: ResumeState;
	/** Set for a child run (`uses: runbook`): the parent run and step. */
	parent?: { runId: string; stepId: string };
}

/** A finished step carried into a resumed run: its outcome and outputs stand, the step is not run again. */
export interface ResumedStep {
	status: 'succeeded' | 'skipped';
	outputs?: Record<string, unknown>;
}

export interface ResumeState {
	/** Keyed by step id (gates included). */
	steps: Record<string, ResumedStep>;
	/** How many times the run has been resumed, this one included. */
	count: number;
}

/**
 * What an approval is bound to (DESIGN §3): the runbook version, the inputs and the target. A
 * decision carried into a resumed run counts only while all three still match.
 */
export interface DecisionBinding {
	version: number;
	inputs: string;
	target: string | null;
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

/** A person's checklist (`uses: manual`) while it is open, and after. */
export interface ChecklistView {
	stepId: string;
	instructions?: string;
	assignees: Principal[];
	items: Array<{ text: string; done: boolean; by?: string; at?: string }>;
	notes: string[];
	waitingSince: string;
	deadline?: string;
}

export interface ChecklistRequest {
	stepId: string;
	/** Indexes into the checklist of the items this person has done. */
	items: number[];
	notes?: string;
	actor: Actor;
}

/** Why a step that is ready to run does not start yet. */
export interface StepHold {
	kind: 'emergency_stop' | 'window' | 'freeze';
	message: string;
	/** When the hold lifts by itself (a window opens, a freeze ends); absent if only a person can lift it. */
	until?: string;
	/** Set on a freeze: the window that froze the target. */
	window?: string;
}

export interface FreezeOverrideRequest {
	stepId: string;
	reason: string;
	actor: Actor;
}

/** An admin's emergency stop as runs see it: `active: false` lifts the stop with that id. */
export interface EmergencyStopNotice {
	id: string;
	active: boolean;
	reason: string;
	by: string;
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
	/** Present once a manual step has opened its checklist. */
	checklist?: ChecklistView;
	/** Present while the step waits for an emergency stop to lift, a window to open or a freeze to end. */
	hold?: StepHold;
	/** A forEach step's progress. */
	items?: { total: number; succeeded: number; failed: number; skipped: number };
}

export interface RunState {
	status: RunStatus;
	initiator: { id: string; username: string };
	/** Document order, with each implicit gate just before the step it guards. */
	steps: StepState[];
	/** The approvals that can be decided now (the `approval` of every waiting step). */
	pendingApprovals: ApprovalView[];
	/** Set while the run waits its turn on its target (`concurrency: target`). */
	queue?: { target: string; behind: string[] };
	/** The emergency stop in force, if any: risky steps do not start while it is. */
	emergencyStop?: { reason: string; by: string };
}

export interface RunbookRunResult {
	status: RunStatus;
	outputs: Record<string, Record<string, unknown>>;
}

/** What `windows.check` answers (activities/windows.ts): the runbook's window now, and a freeze on the target. */
export interface WindowCheck {
	at: string;
	maintenance: null | { name: string; open: boolean; opensAt?: string; closesAt?: string };
	freeze: null | { name: string; reason?: string; until: string };
}

export const runStateQuery = defineQuery<RunState>('runState');

/**
 * Approve or reject a waiting approval step. The validator refuses unknown or settled steps,
 * ineligible people, the initiator (four eyes) and second decisions before anything reaches
 * history, so the caller learns at once whether the decision counts.
 */
export const decideUpdate = defineUpdate<DecisionResult, [DecisionRequest]>('decide');

/** Tick off items of a manual step's checklist; the step succeeds once every item is done. */
export const checklistUpdate = defineUpdate<ChecklistView, [ChecklistRequest]>('checklist');

/** An approver lets a step run during a change freeze; recorded and audited like a decision. */
export const overrideFreezeUpdate = defineUpdate<{ stepId: string }, [FreezeOverrideRequest]>('overrideFreeze');

/** Sent to every open run when an admin starts or lifts an emergency stop. */
export const emergencyStopSignal = defineSignal<[EmergencyStopNotice]>('emergencyStop');

/** From a target's lock workflow: this run may start now. */
export const lockGrantedSignal = defineSignal<[]>('lockGranted');

/** Workflow ids are business ids; idempotency keys of side effects derive from them. */
export const runWorkflowId = (runId: string) => `run-${runId}`;

/** One lock workflow per target serialises runs with `concurrency: target`. */
export const targetLockWorkflowId = (target: string) => `lock-target-${target}`;

/** Ask for the target: the lock answers with `lockGranted` when it is this run's turn. */
export const acquireLockSignal = defineSignal<[{ workflowId: string; runId: string }]>('acquire');
export const releaseLockSignal = defineSignal<[{ workflowId: string }]>('release');
export const lockStateQuery = defineQuery<{ holder?: string; queue: string[] }>('lockState');

/** The id of the implicit approval gate before a high-risk step; a dot cannot occur in a step id, so it never collides. */
export const gateId = (stepId: string) => `${stepId}.approval`;

/** Failure types a retry cannot mend: the workflow stops retrying them at once. */
export const NON_RETRYABLE_ERROR_TYPES = ['InvalidStepParams', 'PgToolsMissing', 'TargetNotFound', 'SecretNotFound', 'BackupChecksumMismatch', 'BackupNotFound', 'BackupVerifyMismatch', 'ChannelNotSupported', 'WindowNotFound', 'RunbookNotFound', 'InvalidRunInputs', 'RedirectRefused', 'HttpRequestRejected', 'WebhookRefused', 'RetentionNeedsKey', 'ArchiveTableMismatch', 'SqlError', 'SqlCheckFailed', 'MigrationBundleInvalid', 'MigrationChecksumMismatch', 'MigrationVerifyFailed', 'MigrationFailed', 'DedupeUnsupported'];
