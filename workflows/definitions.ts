import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { RunStatus, StepStatus } from '../runbooks/run-model.ts';
import type { ApprovalView, ChecklistView, ItemsProgress, QueueView, RetryView, StepHold } from '../runbooks/run-projection.ts';
import type { RunbookDocument } from '../runbooks/schema.ts';

/** Messages, inputs and ids shared by web, worker and tests (STYLE rule 4). */

export type { ApprovalView, ChecklistView, DecisionRecord, Principal, StepHold } from '../runbooks/run-projection.ts';
export { gateId } from '../runbooks/run-model.ts';

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

/** The person behind a decision, as the web layer authenticated them; the workflow checks eligibility itself. */
export interface Actor {
	id: string;
	username: string;
	roles: string[];
}

/**
 * What every act of a person on a run carries besides the act itself: who (as the web app
 * authenticated them) and the proof that it did (shared/run-proofs.ts), which the ledger checks
 * before the act counts. Engine v1 runs ignore the proof.
 */
export interface ActBy {
	actor: Actor;
	proof?: string;
}

export interface DecisionRequest extends ActBy {
	stepId: string;
	decision: 'approve' | 'reject';
	comment?: string;
	/** The approval's round this decision is for; a decision for an earlier round is refused. */
	round?: number;
}

export interface DecisionResult {
	stepId: string;
	/** Where the approval stands with this decision counted: the step itself moves on a moment later. */
	verdict: 'pending' | 'approved' | 'rejected';
	approvals: number;
	quorum: number;
}

export interface ChecklistRequest extends ActBy {
	stepId: string;
	/** Indexes into the checklist of the items this person has done. */
	items: number[];
	notes?: string;
}

export interface FreezeOverrideRequest extends ActBy {
	stepId: string;
	reason: string;
}

export interface CancelRequest extends ActBy {
	reason?: string;
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
	items?: ItemsProgress;
	/** Engine v2: how many attempts the step has begun, and when it tries again. */
	attempts?: number;
	retry?: RetryView;
}

export interface RunState {
	status: RunStatus;
	initiator: { id: string; username: string };
	/** Document order, with each implicit gate just before the step it guards. */
	steps: StepState[];
	/** The approvals that can be decided now (the `approval` of every waiting step). */
	pendingApprovals: ApprovalView[];
	/** Set while the run waits its turn on its target (`concurrency: target`). */
	queue?: QueueView;
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

/**
 * A person cancels the run (engine v2): audited with its proof, then the run stops its steps and
 * compensates what it did. Temporal's own cancel still works for operators of the cluster.
 */
export const cancelRunUpdate = defineUpdate<{ cancelled: boolean }, [CancelRequest]>('cancelRun');

/** Sent to every open run when an admin starts or lifts an emergency stop. */
export const emergencyStopSignal = defineSignal<[EmergencyStopNotice]>('emergencyStop');

/** From a target's lock workflow: this run may start now. */
export const lockGrantedSignal = defineSignal<[]>('lockGranted');

/**
 * A failure of Tend's own machinery during a step (its database unreachable while the step reads
 * its target): retried with backoff and never counted against the step's attempts.
 */
export const TEND_UNAVAILABLE = 'TendUnavailable';

/** Workflow ids are business ids; idempotency keys of side effects derive from them. */
export const runWorkflowId = (runId: string) => `run-${runId}`;

/** One lock workflow per target serialises runs with `concurrency: target`. */
export const targetLockWorkflowId = (target: string) => `lock-target-${target}`;

/** Ask for the target: the lock answers with `lockGranted` when it is this run's turn. */
export const acquireLockSignal = defineSignal<[{ workflowId: string; runId: string }]>('acquire');
export const releaseLockSignal = defineSignal<[{ workflowId: string }]>('release');
export const lockStateQuery = defineQuery<{ holder?: string; queue: string[] }>('lockState');

/** Failure types a retry cannot mend: the workflow stops retrying them at once. */
export const NON_RETRYABLE_ERROR_TYPES = ['ForgedAct', 'InvalidStepParams', 'PgToolsMissing', 'TargetNotFound', 'SecretNotFound', 'BackupChecksumMismatch', 'BackupNotFound', 'BackupVerifyMismatch', 'ChannelNotSupported', 'WindowNotFound', 'RunbookNotFound', 'InvalidRunInputs', 'RedirectRefused', 'HttpRequestRejected', 'WebhookRefused', 'RetentionNeedsKey', 'ArchiveTableMismatch', 'SqlError', 'MigrationBundleInvalid', 'MigrationChecksumMismatch', 'MigrationVerifyFailed', 'MigrationFailed', 'DedupeUnsupported'];

/** A training assignment's workflow (`training-<assignmentId>`, workflows/training-assignment.ts). */
export const trainingWorkflowId = (assignmentId: string) => `training-${assignmentId}`;

export interface TrainingAssignmentInput {
	assignmentId: string;
	/** 1 for the first assignment, one more for each recertification. */
	cycle: number;
	/** Epoch milliseconds: when the cycle is due, and when to remind before that (ascending). */
	dueAt: number;
	reminderAt: number[];
}

/** Where an assignment stands as the workflow's activities read it from the database. */
export type TrainingState = 'open' | 'completed' | 'cancelled';

export interface TrainingOutcome {
	status: 'completed' | 'cancelled';
	cycle: number;
}

/** The person passed (sent by the web app after it graded and recorded the attempt): wake up and look. */
export const trainingCompletedSignal = defineSignal('trainingCompleted');
