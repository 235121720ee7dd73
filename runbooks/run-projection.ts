/**
 * The shape of a run's state as the workflow writes it to `runs`, `run_steps` and `run_events`
 * (DESIGN §8: the workflow is the only writer; pages, the API, live updates and resume read
 * these rows and nothing else). Pure types, shared by the workflow, the ledger and the views.
 */

/** Who may decide an approval: everyone holding a role, or one user by username. */
export type Principal = `role:${string}` | `user:${string}`;

export interface DecisionRecord {
	actor: { id: string; username: string };
	decision: 'approve' | 'reject';
	comment?: string;
	/** ISO time at which the decision counted (after it was written to the audit log). */
	at: string;
}

/** An approval step or implicit gate as approvers see it. */
export interface ApprovalView {
	stepId: string;
	/** Set on an implicit gate: the high-risk step it guards. */
	gateFor?: string;
	/** Counts the times this approval has been asked (1, then 2 if it lapsed with its window): a decision belongs to one round. */
	round?: number;
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
	/** Set once the round is over: approved, rejected or lapsed at its deadline. */
	verdict?: 'approved' | 'rejected' | 'timed_out';
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

/** Why a step that is ready to run does not start yet. */
export interface StepHold {
	kind: 'emergency_stop' | 'window' | 'freeze';
	message: string;
	/** When the hold lifts by itself (a window opens, a freeze ends); absent if only a person can lift it. */
	until?: string;
	/** Set on a freeze or window: the window document. */
	window?: string;
	/** Set on an emergency stop: who started it and why. */
	by?: string;
	reason?: string;
}

/** A forEach step's progress. */
export interface ItemsProgress {
	total: number;
	succeeded: number;
	failed: number;
	skipped: number;
}

/** Set while a step waits to try again: when, and why the last attempt failed. */
export interface RetryView {
	nextAttemptAt: string;
	lastError: string;
	/** True when the failure was Tend's own (its database unreachable): such a retry does not spend the step's attempts. */
	infrastructure?: boolean;
}

/** Set while a run waits its turn on its target (`concurrency: target`). */
export interface QueueView {
	target: string;
	behind: string[];
}

/**
 * What happened, as an event kind with structured details; pages render each kind through i18n
 * (`run:events.<kind>`), the API adds an English `message` rendered from the same template.
 */
export type RunEventKind =
	| 'run.started'
	| 'run.resumed'
	| 'run.queued'
	| 'run.finished'
	| 'step.running'
	| 'step.retrying'
	| 'step.succeeded'
	| 'step.failed'
	| 'step.skipped'
	| 'step.cancelled'
	| 'step.held'
	| 'step.compensated'
	| 'step.rollback_failed'
	| 'step.waiting'
	| 'step.items_started'
	| 'step.item'
	| 'step.child_started'
	| 'step.tend_unavailable'
	| 'approval.waiting'
	| 'approval.decided'
	| 'approval.escalated'
	| 'checklist.waiting'
	| 'checklist.ticked'
	| 'freeze.overridden'
	| 'run.cancel_requested';

export interface RunEventDetails {
	[key: string]: unknown;
}
