import { CancellationScope, condition, proxyLocalActivities } from '@temporalio/workflow';
import type { LedgerActivities, LedgerBatch, RunChange, StepChange } from '../../activities/run-ledger.ts';
import { isStepFinished, OPEN_STEP_STATUSES, type RunStatus, type StepStatus } from '../../runbooks/run-model.ts';
import type { ApprovalView, ChecklistView, ItemsProgress, Principal, QueueView, RetryView, RunEventDetails, RunEventKind, StepHold } from '../../runbooks/run-projection.ts';
import type { EmergencyStopNotice, RunState as RunStateView, StepState } from '../definitions.ts';
import { failureType } from './failures.ts';

/**
 * Ledger writes are small and idempotent local activities: on the worker that runs the workflow,
 * without a server round trip each. They retry for as long as it takes — Tend's own database may
 * be down for a while — and never count against a step: bookkeeping is not the step's work.
 */
const ledger = proxyLocalActivities<LedgerActivities>({ startToCloseTimeout: '30s', retry: { initialInterval: '1s', maximumInterval: '30s' } });

export interface StepRecord extends StepState {
	attempts: number;
}

interface Pending {
	run: RunChange;
	steps: Map<string, StepChange>;
	events: NonNullable<LedgerBatch['events']>;
	notices: NonNullable<LedgerBatch['notices']>;
	closedApprovals: string[];
}

const emptyPending = (): Pending => ({ run: {}, steps: new Map(), events: [], notices: [], closedApprovals: [] });
const now = () => new Date().toISOString();

/**
 * A run's state, and the only way it changes: each method is one transition, applied in memory
 * and queued for the projection (`runs`, `run_steps`, `run_events`). A flusher writes whatever a
 * workflow task queued in one ledger write; a later change in the same task supersedes an earlier
 * one before anything is written. Pages read only the projection.
 */
export class RunState {
	status: RunStatus = 'pending';
	/** Set when the run's record is gone (its start gave up on Temporal and removed it): the run must do nothing. */
	withdrawn = false;
	queue?: QueueView;
	private readonly steps = new Map<string, StepRecord>();
	private pending = emptyPending();
	private changes = 0;
	private written = 0;
	private closing = false;
	private flusher?: Promise<void>;
	private localTail: Promise<unknown> = Promise.resolve();

	constructor(
		readonly runId: string,
		readonly initiator: { id: string; username: string },
		steps: Array<{ id: string; uses: string; needs: string[] }>
	) {
		for (const step of steps) this.steps.set(step.id, { ...step, status: 'pending', attempts: 0 });
	}

	step(stepId: string): StepRecord {
		const step = this.steps.get(stepId);
		if (!step) throw new Error(`no step "${stepId}" in this run`);
		return step;
	}

	has(stepId: string): boolean {
		return this.steps.has(stepId);
	}

	/** The workflow's `runState` query: what the projection holds, straight from memory. */
	view(emergencyStop?: EmergencyStopNotice): RunStateView {
		const steps = [...this.steps.values()].map((step) => ({ ...step }));
		return {
			status: this.status,
			initiator: this.initiator,
			steps,
			pendingApprovals: steps.filter((s) => s.status === 'waiting' && s.approval && !s.approval.verdict).map((s) => s.approval!),
			...(this.queue ? { queue: this.queue } : {}),
			...(emergencyStop?.active ? { emergencyStop: { reason: emergencyStop.reason, by: emergencyStop.by } } : {})
		};
	}

	// --- The run ---

	/** The first write, awaited: the run is running, and the emergency stop in force (if any) comes back. */
	async start(resumed: number | undefined): Promise<EmergencyStopNotice | null> {
		this.status = 'running';
		delete this.queue;
		const at = now();
		if (this.withdrawn) return null;
		const { emergencyStop } = await CancellationScope.nonCancellable(() =>
			this.local(() => ledger['ledger.apply']({
				runId: this.runId,
				run: { status: 'running', startedAt: at, queue: null, ...(resumed ? { resumes: resumed } : {}) },
				events: [{ kind: resumed ? 'run.resumed' : 'run.started', details: resumed ? { count: resumed } : {}, at }],
				readEmergencyStop: true
			})).catch((error: unknown) => this.withdrawnBy(error))
		);
		return emergencyStop;
	}

	queued(queue: QueueView): void {
		this.status = 'queued';
		this.queue = queue;
		this.runChange({ status: 'queued', queue }, { kind: 'run.queued', details: { ...queue } });
	}

	finished(status: RunStatus, error?: string): void {
		this.status = status;
		this.runChange({ status, error: error ?? null, finishedAt: now() }, { kind: 'run.finished', details: { status, ...(error ? { error } : {}) } });
	}

	// --- Steps ---

	attemptStarted(stepId: string, attempt: number): void {
		this.change(stepId, { status: attempt > 1 ? 'retrying' : 'running', attempts: attempt, retry: undefined, hold: undefined }, { kind: 'step.running', details: { attempt } }, { startedAt: now() });
	}

	/** Waiting for the next attempt; an infrastructure failure (Tend's own database) does not spend one. */
	retrying(stepId: string, retry: RetryView, attempt: number): void {
		this.change(stepId, { status: attempt > 1 || !retry.infrastructure ? 'retrying' : 'running', retry }, { kind: retry.infrastructure ? 'step.tend_unavailable' : 'step.retrying', details: { attempt, ...retry } });
	}

	/** A control step (a wait, a child run, a forEach) is under way, with a line on its timeline. */
	running(stepId: string, kind: RunEventKind, details: RunEventDetails): void {
		this.change(stepId, { status: 'running', hold: undefined }, { kind, details }, { startedAt: now() });
	}

	waiting(stepId: string, kind: RunEventKind, details: RunEventDetails): void {
		this.change(stepId, { status: 'waiting', hold: undefined }, { kind, details }, { startedAt: now() });
	}

	succeeded(stepId: string, outputs: Record<string, unknown>, details: RunEventDetails = {}): void {
		this.change(stepId, { status: 'succeeded', outputs, retry: undefined, hold: undefined }, { kind: 'step.succeeded', details }, { finishedAt: now() });
	}

	failed(stepId: string, error: string): void {
		this.change(stepId, { status: 'failed', error, retry: undefined, hold: undefined }, { kind: 'step.failed', details: { error } }, { finishedAt: now() });
	}

	skipped(stepId: string, details: RunEventDetails): void {
		this.change(stepId, { status: 'skipped', hold: undefined }, { kind: 'step.skipped', details }, { finishedAt: now() });
	}

	/** Every step that has not finished ends `cancelled`, for one reason (`except` the run's finally steps, still to come). */
	cancelOpen(details: RunEventDetails, except: ReadonlySet<string> = new Set()): void {
		for (const step of this.steps.values()) {
			if ((OPEN_STEP_STATUSES as readonly StepStatus[]).includes(step.status) && !except.has(step.id)) this.change(step.id, { status: 'cancelled', hold: undefined, retry: undefined }, { kind: 'step.cancelled', details }, { finishedAt: now() });
		}
	}

	held(stepId: string, hold: StepHold): void {
		if (this.step(stepId).hold?.message === hold.message) return;
		this.change(stepId, { status: 'waiting', hold }, { kind: 'step.held', details: { ...hold } });
	}

	holdLifted(stepId: string): void {
		if (this.step(stepId).hold) this.change(stepId, { hold: undefined });
	}

	compensated(stepId: string, by: string): void {
		this.change(stepId, { status: 'compensated' }, { kind: 'step.compensated', details: { by } }, { finishedAt: now() });
	}

	rollbackFailed(stepId: string, error: string): void {
		this.change(stepId, { status: 'failed', error: `rollback failed: ${error}` }, { kind: 'step.rollback_failed', details: { error } });
	}

	/** A line on a step's timeline that changes nothing else: a forEach item settled, a child run started. */
	note(stepId: string, kind: RunEventKind, details: RunEventDetails, items?: ItemsProgress): void {
		this.change(stepId, items ? { items: { ...items } } : {}, { kind, details });
	}

	/** A forEach step's progress, without a line on the timeline. */
	progress(stepId: string, items: ItemsProgress): void {
		this.change(stepId, { items: { ...items } });
	}

	/** A step the plan did not have: the undo checklist after a failed rollback. */
	added(stepId: string, uses: string): void {
		this.steps.set(stepId, { id: stepId, uses, status: 'pending', needs: [], attempts: 0 });
		this.queueStep(stepId, { add: { uses } });
	}

	// --- People ---

	approvalOpened(stepId: string, approval: ApprovalView, notice: { principals: Principal[]; fourEyes: boolean }): void {
		this.change(stepId, { status: 'waiting', approval, hold: undefined }, { kind: 'approval.waiting', details: { round: approval.round, message: approval.message } }, { startedAt: now() });
		this.pending.notices.push({ stepId, key: `r${approval.round}`, principals: notice.principals, fourEyes: notice.fourEyes, message: approval.message });
	}

	/** Decisions or approvers changed; `escalatedTo` tells the people an escalation adds. */
	approvalChanged(stepId: string, escalatedTo?: Principal): void {
		const approval = this.step(stepId).approval!;
		this.change(stepId, { approval }, escalatedTo ? { kind: 'approval.escalated', details: { to: escalatedTo } } : undefined);
		if (escalatedTo) this.pending.notices.push({ stepId, key: `r${approval.round}:${escalatedTo}`, principals: [escalatedTo], fourEyes: approval.fourEyes, message: approval.message });
	}

	approvalClosed(stepId: string, verdict: NonNullable<ApprovalView['verdict']>): void {
		const approval = this.step(stepId).approval!;
		approval.verdict = verdict;
		this.change(stepId, { approval });
		this.pending.closedApprovals.push(stepId);
	}

	checklistOpened(stepId: string, checklist: ChecklistView): void {
		this.change(stepId, { status: 'waiting', checklist, hold: undefined }, { kind: 'checklist.waiting', details: { items: checklist.items.length, assignees: checklist.assignees } }, { startedAt: now() });
	}

	checklistChanged(stepId: string): void {
		this.change(stepId, { checklist: this.step(stepId).checklist });
	}

	// --- Writing ---

	/**
	 * Runs a local activity once the one before it has finished. Local activities that overlap
	 * resolve in the order they finish on a first run but in the order they were scheduled on
	 * replay, which would resume the workflow's coroutines in another order and break determinism;
	 * one at a time, the two orders are the same. Every local activity of a run goes through here.
	 */
	local<T>(call: () => Promise<T>): Promise<T> {
		const result = this.localTail.then(call, call);
		this.localTail = result.then(
			() => undefined,
			() => undefined
		);
		return result;
	}

	/** Starts writing queued transitions in the background; call once, before the first transition. */
	startWriting(): void {
		this.flusher = CancellationScope.nonCancellable(() => this.flushLoop());
	}

	/** Resolves once everything queued so far is in the projection. */
	async persisted(): Promise<void> {
		const target = this.changes;
		await CancellationScope.nonCancellable(() => condition(() => this.written >= target));
	}

	/** Writes what is left and stops writing: the run's last word. */
	async close(): Promise<void> {
		this.closing = true;
		await this.flusher;
	}

	private async flushLoop(): Promise<void> {
		for (;;) {
			await condition(() => this.changes > this.written || this.closing);
			if (this.changes === this.written || this.withdrawn) return;
			const upTo = this.changes;
			const batch = this.takePending();
			await this.local(() => ledger['ledger.apply'](batch)).catch((error: unknown) => this.withdrawnBy(error));
			this.written = upTo;
		}
	}

	/** A write refused because the run's record is gone ends all writing; any other failure is a bug and fails the task. */
	private withdrawnBy(error: unknown): { emergencyStop: null } {
		if (failureType(error) !== 'RunWithdrawn') throw error;
		this.withdrawn = true;
		this.pending = emptyPending();
		this.written = this.changes;
		return { emergencyStop: null };
	}

	private takePending(): LedgerBatch {
		const { run, steps, events, notices, closedApprovals } = this.pending;
		this.pending = emptyPending();
		return {
			runId: this.runId,
			...(Object.keys(run).length ? { run } : {}),
			...(steps.size ? { steps: [...steps.values()] } : {}),
			...(events.length ? { events } : {}),
			...(notices.length ? { notices } : {}),
			...(closedApprovals.length ? { closedApprovals } : {})
		};
	}

	private runChange(change: RunChange, event: { kind: RunEventKind; details: RunEventDetails }): void {
		Object.assign(this.pending.run, change);
		this.pending.events.push({ ...event, at: now() });
		this.changes++;
	}

	/**
	 * One step transition: the in-memory record and the queued row change together. `undefined`
	 * in `patch` clears a field (a hold lifted, a retry begun); times are the workflow's own.
	 */
	private change(stepId: string, patch: Partial<StepRecord>, event?: { kind: RunEventKind; details: RunEventDetails }, times: { startedAt?: string; finishedAt?: string } = {}): void {
		const step = this.step(stepId);
		const row: Partial<StepChange> = {};
		for (const [key, value] of Object.entries(patch) as Array<[keyof StepRecord, unknown]>) {
			if (value === undefined) delete (step as unknown as Record<string, unknown>)[key];
			else (step as unknown as Record<string, unknown>)[key] = value;
			(row as Record<string, unknown>)[key] = value === undefined ? null : value;
		}
		// A step that runs again (a resumed run's failed step) loses the finish of its last try.
		if (patch.status && !isStepFinished(patch.status) && !times.finishedAt) row.finishedAt = null;
		this.queueStep(stepId, { ...row, ...times });
		if (event) this.pending.events.push({ stepId, ...event, at: now() });
	}

	private queueStep(stepId: string, row: Partial<StepChange>): void {
		const queued = this.pending.steps.get(stepId) ?? { stepId };
		// The first start stands: a later transition in the same task must not move it.
		const startedAt = queued.startedAt ?? row.startedAt;
		this.pending.steps.set(stepId, { ...queued, ...row, ...(startedAt ? { startedAt } : {}) });
		this.changes++;
	}
}
