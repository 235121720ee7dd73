import {
	ApplicationFailure,
	CancellationScope,
	ParentClosePolicy,
	allHandlersFinished,
	condition,
	executeChild,
	getExternalWorkflowHandle,
	isCancellation,
	proxyActivities,
	proxyLocalActivities,
	setHandler,
	workflowInfo
} from '@temporalio/workflow';
import type { ChildRunActivities } from '../../activities/child-runs.ts';
import type { LockActivities } from '../../activities/locks.ts';
import type { LegacyLedgerActivities as LedgerActivities, StepChange } from '../../activities/run-ledger-v1.ts';
import type { RunStatus, StepStatus } from '../../db/schema/runs.ts';
import { parseDuration } from '../../runbooks/duration.ts';
import { evaluateString, resolveExpressions, type ExpressionContext } from '../../runbooks/expressions.ts';
import type { RunbookStep } from '../../runbooks/schema.ts';
import { approvalParams, decisionRefusal, IMPLICIT_GATE, verdictOf, type ApprovalParams, type Refusal } from '../approvals.ts';
import { checklistRefusal, DEFAULT_ASSIGNEES, EmergencyStops, freezeOverrideRefusal } from '../controls.ts';
import {
	checklistUpdate,
	decideUpdate,
	emergencyStopSignal,
	lockGrantedSignal,
	overrideFreezeUpdate,
	releaseLockSignal,
	runStateQuery,
	targetLockWorkflowId,
	type Actor,
	type ApprovalView,
	type ChecklistView,
	type DecisionBinding,
	type DecisionRequest,
	type Principal,
	type RunbookRunInput,
	type RunbookRunResult,
	type RunState,
	type StepHold,
	type StepState,
	type WindowCheck
} from '../definitions.ts';
import { fingerprint } from '../fingerprint.ts';
import { forEachItem } from '../for-each.ts';
import { effectiveRisk, PlanError, planRun, type PlannedStep } from './plan-v1.ts';
import { describeFailure, formatMs, invalid, isTruthy, LEGACY_NON_RETRYABLE_ERROR_TYPES, stepActivity, stepActivityOptions } from './step-calls-v1.ts';


/**
 * Ledger writes are small and idempotent, so they run as local activities: on the worker that runs
 * the workflow, without a round trip through the server for each transition (a 20-step run made 62
 * activity round trips for 20 steps of work). They retry for as long as it takes rather than lose
 * a transition; a worker that dies mid-write repeats the write on replay, which its keys make a no-op.
 */
const ledger = proxyLocalActivities<LedgerActivities>({ startToCloseTimeout: '30s', retry: { initialInterval: '1s', maximumInterval: '30s' } });
const windows = proxyLocalActivities<{ 'windows.check': (args: { window?: string; target?: string; at: string }) => Promise<WindowCheck> }>({
	startToCloseTimeout: '30s',
	retry: { initialInterval: '1s', maximumInterval: '30s', nonRetryableErrorTypes: ['WindowNotFound'] }
});
const locks = proxyActivities<LockActivities>({ startToCloseTimeout: '1m', retry: { initialInterval: '1s', maximumInterval: '30s' } });
const childRuns = proxyActivities<ChildRunActivities>({ startToCloseTimeout: '1m', retry: { initialInterval: '1s', maximumInterval: '30s', nonRetryableErrorTypes: LEGACY_NON_RETRYABLE_ERROR_TYPES } });

const STILL_OPEN: readonly StepStatus[] = ['pending', 'waiting', 'running', 'retrying'];

/** Thrown out of a wait when the run stops for another step's failure: the step ends `cancelled` with the rest. */
class RunStopped extends Error {
	override name = 'RunStopped';
}

/** A failure whose policy ends the run (stop or rollback); `continue` failures never become one. */
interface Stop {
	stepId: string;
	message: string;
	error: unknown;
	rollback: boolean;
}

/** An approval or checklist while it waits: decisions being written to the audit log are in flight. */
interface OpenApproval {
	view: ApprovalView;
	inFlight: Set<string>;
	/** Set at the deadline: later decisions are refused, those already accepted still count. */
	closed: boolean;
}

interface OpenChecklist {
	view: ChecklistView;
	inFlight: Set<string>;
	/** False for the undo checklist after a failed rollback, which is opened after the run has stopped. */
	stoppable: boolean;
}

/**
 * FROZEN: the interpreter as released before engine v2 (workflows/runbook-run.ts), kept so runs
 * started on it replay and finish unchanged. Never edit it; histories under
 * test/fixtures/histories/v1 replay through it.
 *
 * Interprets one pinned runbook version as a graph (workflows/plan.ts): every step starts as soon
 * as the steps it needs are done, so independent branches run at once. Activity steps carry their
 * retry and timeout; `if` skips a step (its dependents still run); `forEach` runs a step per item
 * within its blast-radius limits; approvals and checklists wait for people (Updates); `wait` and
 * `runbook` are durable timers and child runs. A risky step waits while an emergency stop is in
 * force, outside the runbook's window and during a change freeze (unless an approver overrides).
 *
 * A failure whose policy is `continue` lets dependents run; `stop` or `rollback` starts nothing
 * new, lets steps already running finish (cutting an activity short would leave half-done work
 * that no compensation covers), ends every step that never ran `cancelled`, and with `rollback`
 * compensates the completed steps in reverse order of completion. A compensation that fails ends
 * the run `rollback_incomplete` and opens a checklist of what a person must still undo.
 */
export async function runbookRunV1(input: RunbookRunInput): Promise<RunbookRunResult> {
	const { runId, document } = input;
	let plan: PlannedStep[] = [];
	let planError: PlanError | undefined;
	try {
		plan = planRun(document);
	} catch (error) {
		if (!(error instanceof PlanError)) throw error;
		planError = error;
	}
	const planned = new Map(plan.map((p) => [p.id, p]));
	const state: Omit<RunState, 'pendingApprovals'> = {
		status: 'running',
		initiator: input.initiator,
		steps: planError
			? document.spec.steps.map((s) => ({ id: s.id, uses: s.uses, status: 'pending', needs: s.needs ?? [] }))
			: plan.map((p) => ({ id: p.id, uses: p.kind === 'gate' ? 'approval' : p.step.uses, status: 'pending', needs: p.needs }))
	};
	const stepState = (stepId: string): StepState => state.steps.find((s) => s.id === stepId)!;
	const open = new Map<string, OpenApproval>();
	const checklists = new Map<string, OpenChecklist>();
	const overrides = new Set<string>();
	const overriding = new Set<string>();
	const emergency = new EmergencyStops();
	const stops: Stop[] = [];
	const completed: RunbookStep[] = [];
	const binding: DecisionBinding = { version: input.runbook.version, inputs: fingerprint(input.inputs), target: input.target?.name ?? null };
	const targetName = input.target?.name;
	const lockTarget = document.spec.concurrency === 'target' && targetName ? targetName : undefined;
	let lockGranted = false;

	setHandler(runStateQuery, (): RunState => {
		const stop = emergency.active();
		return {
			...state,
			pendingApprovals: state.steps.filter((s) => s.status === 'waiting' && s.approval && open.has(s.id)).map((s) => s.approval!),
			...(stop ? { emergencyStop: { reason: stop.reason, by: stop.by } } : {})
		};
	});
	setHandler(emergencyStopSignal, (notice) => emergency.note(notice));
	setHandler(lockGrantedSignal, () => void (lockGranted = true));

	const context: ExpressionContext = {
		inputs: input.inputs,
		steps: {},
		target: input.target ? { ...input.target } : {},
		run: { id: runId, runbook: input.runbook.name, version: input.runbook.version, initiator: input.initiator.username }
	};
	const stepContext = (stepId: string, record = false) => ({ runId, stepId, target: targetName ?? '', ...(record ? { record } : {}) });

	async function transition(stepId: string, status: StepStatus, change: Omit<StepChange, 'runId' | 'stepId' | 'status'> = {}) {
		const step = stepState(stepId);
		step.status = status;
		delete step.hold;
		if (change.outputs) step.outputs = change.outputs;
		if (change.error) step.error = change.error;
		await ledger['ledger.stepChanged']({ runId, stepId, status, ...change });
	}

	/** Ends every step that has not finished as `cancelled`, in one ledger write. */
	async function cancelOpenSteps(message: string) {
		const left = state.steps.filter((s) => STILL_OPEN.includes(s.status));
		if (!left.length) return;
		for (const step of left) step.status = 'cancelled';
		await ledger['ledger.stepsChanged'](left.map((s) => ({ runId, stepId: s.id, status: 'cancelled', message })));
	}

	async function finish(status: RunStatus, error?: string) {
		state.status = status;
		await ledger['ledger.runFinished']({ runId, status, error });
	}

	/** Waits up to `ms`; a stop of the run ends the wait early with RunStopped. */
	async function pause(ms: number, wake: () => boolean = () => false): Promise<void> {
		await condition(() => stops.length > 0 || wake(), Math.max(1, ms));
		if (stops.length) throw new RunStopped();
	}

	/** Undo completed steps, newest first; returns what could not be undone. */
	async function compensate(): Promise<Array<{ step: RunbookStep; error: string }>> {
		const failed: Array<{ step: RunbookStep; error: string }> = [];
		for (const step of [...completed].reverse()) {
			if (!step.rollback) continue;
			try {
				const params = resolveExpressions(step.rollback.with, context);
				await stepActivity(step.rollback.uses, stepActivityOptions(step))(stepContext(`${step.id}.rollback`), params);
				await transition(step.id, 'compensated', { message: `compensated by ${step.rollback.uses}` });
			} catch (error) {
				const message = describeFailure(error);
				failed.push({ step, error: message });
				await ledger['ledger.stepChanged']({ runId, stepId: step.id, status: 'failed', error: `rollback failed: ${message}` });
			}
		}
		return failed;
	}

	function validDecision(request: DecisionRequest): Refusal | undefined {
		const { stepId, decision, comment, actor } = (request ?? {}) as Partial<DecisionRequest>;
		if (typeof stepId !== 'string' || (decision !== 'approve' && decision !== 'reject') || (comment !== undefined && typeof comment !== 'string'))
			return { type: 'InvalidDecision', message: 'a decision needs stepId, decision (approve or reject) and an optional comment' };
		return actorRefusal(actor) ?? waitingRefusal(stepId, open.get(stepId), (a) => !a.closed && !verdictOf(a.view) && !stops.length) ?? alreadyInFlight(open.get(stepId)!, actor!, stepId) ?? decisionRefusal(open.get(stepId)!.view, actor!, input.initiator);
	}

	function actorRefusal(actor: Actor | undefined): Refusal | undefined {
		if (!actor || typeof actor.id !== 'string' || typeof actor.username !== 'string' || !Array.isArray(actor.roles))
			return { type: 'InvalidDecision', message: 'a decision needs the actor: id, username and roles' };
		return undefined;
	}

	function waitingRefusal<T>(stepId: string, waiting: T | undefined, stillOpen: (w: T) => boolean): Refusal | undefined {
		const step = state.steps.find((s) => s.id === stepId);
		if (!step) return { type: 'UnknownStep', message: `this run has no step "${stepId}"` };
		if (step.status !== 'waiting' || !waiting || !stillOpen(waiting)) return { type: 'StepNotWaiting', message: `step "${stepId}" is not waiting for a decision` };
		return undefined;
	}

	function alreadyInFlight(waiting: { inFlight: Set<string> }, actor: Actor, stepId: string): Refusal | undefined {
		return waiting.inFlight.has(actor.id) ? { type: 'AlreadyDecided', message: `${actor.username} has already decided on step "${stepId}"` } : undefined;
	}

	const refuse = (refused: Refusal | undefined) => {
		if (refused) throw ApplicationFailure.create({ type: refused.type, message: refused.message, nonRetryable: true });
	};

	setHandler(
		decideUpdate,
		async (request) => {
			// Checked again: another decision may have settled the step since the validator ran.
			refuse(validDecision(request));
			const { stepId, decision, comment, actor } = request;
			const approval = open.get(stepId)!;
			// A decision counts once it is on the audit record; until then the step holds its verdict.
			approval.inFlight.add(actor.id);
			try {
				await ledger['ledger.decisionRecorded']({ runId, stepId, actor: { id: actor.id, username: actor.username }, decision, ...(comment ? { comment } : {}) });
				approval.view.decisions.push({ actor: { id: actor.id, username: actor.username }, decision, ...(comment ? { comment } : {}), at: new Date().toISOString() });
			} finally {
				approval.inFlight.delete(actor.id);
			}
			const view = approval.view;
			return { stepId, verdict: verdictOf(view) ?? 'pending', approvals: view.decisions.filter((d) => d.decision === 'approve').length, quorum: view.quorum };
		},
		{ validator: (request) => refuse(validDecision(request)) }
	);

	function validTick(request: { stepId: string; items: number[]; notes?: string; actor: Actor }): Refusal | undefined {
		const { stepId, notes, actor } = (request ?? {}) as Partial<typeof request>;
		if (typeof stepId !== 'string' || (notes !== undefined && typeof notes !== 'string')) return { type: 'InvalidDecision', message: 'a checklist update needs stepId, items and optional notes' };
		const list = checklists.get(stepId);
		return actorRefusal(actor) ?? waitingRefusal(stepId, list, (l) => l.view.items.some((i) => !i.done) && (!l.stoppable || !stops.length)) ?? alreadyInFlight(list!, actor!, stepId) ?? checklistRefusal(list!.view, request.items, actor!);
	}

	setHandler(
		checklistUpdate,
		async (request) => {
			refuse(validTick(request));
			const { stepId, items, notes, actor } = request;
			const list = checklists.get(stepId)!;
			const texts = items.filter((i) => !list.view.items[i].done).map((i) => list.view.items[i].text);
			list.inFlight.add(actor.id);
			try {
				await ledger['ledger.decisionRecorded']({ runId, stepId, actor: { id: actor.id, username: actor.username }, decision: 'check', comment: [texts.join('; '), notes].filter(Boolean).join(' — ') });
				const at = new Date().toISOString();
				for (const i of items) if (!list.view.items[i].done) list.view.items[i] = { ...list.view.items[i], done: true, by: actor.username, at };
				if (notes) list.view.notes.push(`${actor.username}: ${notes}`);
			} finally {
				list.inFlight.delete(actor.id);
			}
			return list.view;
		},
		{ validator: (request) => refuse(validTick(request)) }
	);

	function validOverride(request: { stepId: string; reason: string; actor: Actor }): Refusal | undefined {
		const { stepId, reason, actor } = (request ?? {}) as Partial<typeof request>;
		if (typeof stepId !== 'string' || typeof reason !== 'string' || !reason.trim()) return { type: 'InvalidDecision', message: 'an override needs stepId and a reason' };
		const step = state.steps.find((s) => s.id === stepId);
		if (!step) return { type: 'UnknownStep', message: `this run has no step "${stepId}"` };
		if (step.hold?.kind !== 'freeze' || overrides.has(stepId) || overriding.has(stepId)) return { type: 'StepNotWaiting', message: `step "${stepId}" is not held by a change freeze` };
		return actorRefusal(actor) ?? freezeOverrideRefusal(stepId, actor!, input.initiator);
	}

	setHandler(
		overrideFreezeUpdate,
		async (request) => {
			refuse(validOverride(request));
			const { stepId, reason, actor } = request;
			// Like a decision, an override counts once it is on the audit record; a second one meanwhile is refused.
			overriding.add(stepId);
			try {
				await ledger['ledger.decisionRecorded']({ runId, stepId, actor: { id: actor.id, username: actor.username }, decision: 'override', comment: reason });
				overrides.add(stepId);
			} finally {
				overriding.delete(stepId);
			}
			return { stepId };
		},
		{ validator: (request) => refuse(validOverride(request)) }
	);

	/** The question, its parameters and its evidence; a gate asks about the step it guards and shows that step's parameters. */
	function describeApproval(node: PlannedStep): { params: ApprovalParams; message: string; evidence: ApprovalView['evidence'] } {
		if (node.kind === 'gate') {
			const guarded = (planned.get(node.gateFor) as Extract<PlannedStep, { kind: 'step' }>).step;
			let evidence: ApprovalView['evidence'][number];
			try {
				evidence = { path: `${guarded.id}.with`, value: resolveExpressions(guarded.with, context) };
			} catch (error) {
				evidence = { path: `${guarded.id}.with`, error: (error as Error).message };
			}
			return { params: approvalParams(IMPLICIT_GATE), message: `Step "${guarded.id}" (${guarded.uses}) is high risk. Approve it to run?`, evidence: [evidence] };
		}
		// `show` holds paths, not templates: it is read as evidence, not resolved with the rest.
		const { show, ...rest } = node.step.with;
		const params = approvalParams({ ...resolveExpressions(rest, context), show }, node.step.timeout);
		const evidence = params.show.map((path) => {
			try {
				return { path, value: evaluateString(path.includes('${{') ? path : `\${{ ${path} }}`, context) };
			} catch (error) {
				return { path, error: (error as Error).message };
			}
		});
		return { params, message: params.message ?? `Approve step "${node.id}"?`, evidence };
	}

	/**
	 * Waits for a quorum or a reject, widening the approvers at each escalation and giving up at the
	 * timeout. Returns the step's outputs, or undefined when it ends without them (skipped on
	 * timeout, or the run stopped); a reject or a `fail` timeout throws, so onFailure applies.
	 */
	async function awaitApproval(node: PlannedStep): Promise<Record<string, unknown> | undefined> {
		const { params, message, evidence } = describeApproval(node);
		const waitingSince = Date.now();
		const escalate = params.escalate.filter((e) => params.timeoutMs === undefined || e.afterMs < params.timeoutMs).sort((a, b) => a.afterMs - b.afterMs);
		const view: ApprovalView = {
			stepId: node.id,
			...(node.kind === 'gate' ? { gateFor: node.gateFor } : {}),
			message,
			approvers: [...params.approvers],
			quorum: params.quorum,
			fourEyes: params.fourEyes,
			decisions: [],
			evidence,
			waitingSince: new Date(waitingSince).toISOString(),
			...(params.timeoutMs !== undefined ? { deadline: new Date(waitingSince + params.timeoutMs).toISOString() } : {}),
			onTimeout: params.onTimeout,
			escalations: escalate.map((e) => ({ at: new Date(waitingSince + e.afterMs).toISOString(), to: e.to, reached: false }))
		};
		// `waiting` shows (and decisions are accepted) only once the wait is on record, so no decision precedes it in the timeline.
		await ledger['ledger.stepChanged']({ runId, stepId: node.id, status: 'waiting', message });
		const approval: OpenApproval = { view, inFlight: new Set(), closed: false };
		open.set(node.id, approval);
		Object.assign(stepState(node.id), { status: 'waiting', approval: view });

		const settled = () => (verdictOf(view) !== undefined || stops.length > 0) && approval.inFlight.size === 0;
		const deadlines = escalate.map((e, index) => ({ afterMs: e.afterMs, escalation: index as number | undefined }));
		if (params.timeoutMs !== undefined) deadlines.push({ afterMs: params.timeoutMs, escalation: undefined });
		let timedOut = false;
		for (const deadline of deadlines) {
			// Durable timers: the remaining time is measured from when the wait began, so replays and restarts agree.
			if (await condition(settled, Math.max(1, waitingSince + deadline.afterMs - Date.now()))) break;
			if (deadline.escalation === undefined) {
				timedOut = true;
				break;
			}
			const escalation = view.escalations[deadline.escalation];
			escalation.reached = true;
			if (!view.approvers.includes(escalation.to)) view.approvers.push(escalation.to);
			await ledger['ledger.approvalEscalated']({ runId, stepId: node.id, to: escalation.to });
		}
		if (timedOut) {
			// A decision the validator accepted before the deadline still counts.
			approval.closed = true;
			await condition(() => approval.inFlight.size === 0);
		} else await condition(settled);
		open.delete(node.id);

		const verdict = verdictOf(view);
		if (verdict === 'approved') return { decisions: [...view.decisions], binding, ...(await approvalValidity()) };
		if (verdict === 'rejected') {
			const reject = view.decisions.find((d) => d.decision === 'reject')!;
			throw ApplicationFailure.create({ type: 'ApprovalRejected', nonRetryable: true, message: `rejected by ${reject.actor.username}${reject.comment ? `: ${reject.comment}` : ''}` });
		}
		if (!timedOut) return undefined;
		const approvals = view.decisions.filter((d) => d.decision === 'approve').length;
		const why = `${approvals} of ${view.quorum} approvals within ${formatMs(params.timeoutMs!)}`;
		if (params.onTimeout === 'skip') {
			await transition(node.id, 'skipped', { message: `skipped: ${why}` });
			return undefined;
		}
		throw ApplicationFailure.create({ type: 'ApprovalTimedOut', nonRetryable: true, message: `timed out: ${why}` });
	}

	/**
	 * An approval given for a runbook with a window holds until the end of the window's opening it
	 * was given in, or ahead of: once that opening has closed, the risky steps it covers ask again.
	 */
	async function approvalValidity(): Promise<{ validUntil?: string }> {
		if (!document.spec.window) return {};
		const check = await windows['windows.check']({ window: document.spec.window, at: new Date().toISOString() });
		return check.maintenance?.closesAt ? { validUntil: check.maintenance.closesAt } : {};
	}

	/** Asks a lapsed approval again, in its own step: the step shows `waiting` and the new decisions replace the old. */
	async function reapprove(approvalId: string): Promise<void> {
		const node = planned.get(approvalId)!;
		delete stepState(approvalId).approval;
		const outputs = await awaitApproval(node);
		if (outputs === undefined) throw ApplicationFailure.create({ type: 'ApprovalTimedOut', nonRetryable: true, message: `the renewed approval of ${approvalId} was not given` });
		context.steps[approvalId] = { outputs };
		await transition(approvalId, 'succeeded', { outputs, message: 'approved again: the earlier approval lapsed when its window closed' });
	}

	/** The covering approval still holds (or none is bound to a window); otherwise the lapsed one to ask again. */
	function lapsedApproval(node: Extract<PlannedStep, { kind: 'step' }>): string | undefined {
		if (!node.approvals) return undefined;
		const given = node.approvals.filter((id) => stepState(id).status === 'succeeded');
		const holds = (id: string) => {
			const until = context.steps[id]?.outputs.validUntil;
			return typeof until !== 'string' || Date.parse(until) >= Date.now();
		};
		return given.some(holds) ? undefined : given[0];
	}

	/** A person's checklist: the step succeeds when every item is ticked off, and fails at its timeout. */
	async function awaitChecklist(step: RunbookStep, scope: ExpressionContext, stoppable = true): Promise<Record<string, unknown>> {
		const w = resolveExpressions(step.with, scope) as { checklist?: unknown; assignees?: unknown; instructions?: unknown; timeout?: unknown };
		if (!Array.isArray(w.checklist) || !w.checklist.length || w.checklist.some((i) => typeof i !== 'string')) throw invalid(`step ${step.id}: with.checklist must list at least one item`);
		const assignees = (Array.isArray(w.assignees) ? w.assignees : typeof w.assignees === 'string' ? [w.assignees] : DEFAULT_ASSIGNEES) as Principal[];
		const timeout = w.timeout ?? step.timeout;
		const timeoutMs = timeout === undefined ? undefined : parseDuration(timeout as string);
		const since = Date.now();
		const view: ChecklistView = {
			stepId: step.id,
			...(typeof w.instructions === 'string' ? { instructions: w.instructions } : {}),
			assignees: [...assignees],
			items: (w.checklist as string[]).map((text) => ({ text, done: false })),
			notes: [],
			waitingSince: new Date(since).toISOString(),
			...(timeoutMs !== undefined ? { deadline: new Date(since + timeoutMs).toISOString() } : {})
		};
		await ledger['ledger.stepChanged']({ runId, stepId: step.id, status: 'waiting', message: `checklist of ${view.items.length}: waiting for ${assignees.join(', ')}` });
		const list: OpenChecklist = { view, inFlight: new Set(), stoppable };
		checklists.set(step.id, list);
		Object.assign(stepState(step.id), { status: 'waiting', checklist: view });
		const done = () => view.items.every((i) => i.done) && list.inFlight.size === 0;
		const settled = () => done() || (stoppable && stops.length > 0);
		const finished = timeoutMs === undefined ? (await condition(settled), true) : await condition(settled, Math.max(1, since + timeoutMs - Date.now()));
		checklists.delete(step.id);
		if (!done() && stoppable && stops.length) throw new RunStopped();
		if (!finished && !done()) throw ApplicationFailure.create({ type: 'ChecklistTimedOut', nonRetryable: true, message: `timed out: ${view.items.filter((i) => i.done).length} of ${view.items.length} items done within ${formatMs(timeoutMs!)}` });
		return { completedBy: [...new Set(view.items.map((i) => i.by))], notes: view.notes.join('\n') };
	}

	/** `wait`: a duration, an instant, or the next opening of a window — all durable timers. */
	async function runWait(step: RunbookStep, scope: ExpressionContext): Promise<Record<string, unknown>> {
		const w = resolveExpressions(step.with, scope) as { duration?: unknown; until?: unknown; window?: unknown };
		const since = Date.now();
		if (w.duration !== undefined) {
			const ms = parseDuration(w.duration as string);
			await transition(step.id, 'waiting', { message: `waiting ${formatMs(ms)}` });
			await pause(ms);
		} else if (w.until !== undefined) {
			const until = typeof w.until === 'string' ? Date.parse(w.until) : NaN;
			if (Number.isNaN(until)) throw invalid(`step ${step.id}: with.until must be a time with its offset, such as 2026-01-10T22:00:00Z`);
			await transition(step.id, 'waiting', { message: `waiting until ${new Date(until).toISOString()}` });
			if (until > Date.now()) await pause(until - Date.now());
		} else {
			if (typeof w.window !== 'string') throw invalid(`step ${step.id}: a wait takes one of duration, until or window`);
			for (;;) {
				const check = await windows['windows.check']({ window: w.window, ...(targetName ? { target: targetName } : {}), at: new Date().toISOString() });
				if (!check.maintenance || check.maintenance.open || !check.maintenance.opensAt) break;
				await transition(step.id, 'waiting', { message: `waiting for window "${w.window}", which opens ${check.maintenance.opensAt}` });
				await pause(Date.parse(check.maintenance.opensAt) - Date.now());
			}
		}
		return { waitedMs: Date.now() - since };
	}

	/** `runbook`: a child run with its own run record, pinned version and steps; this step takes its outcome. */
	async function runChild(step: RunbookStep, callId: string, scope: ExpressionContext): Promise<Record<string, unknown>> {
		const w = resolveExpressions(step.with, scope) as { name?: unknown; version?: unknown; inputs?: unknown };
		if (typeof w.name !== 'string') throw invalid(`step ${step.id}: with.name must name a runbook`);
		await transition(step.id, 'running', { message: `starting runbook "${w.name}"` });
		const child = await childRuns['runs.prepareChild']({
			parent: { runId, stepId: callId },
			runbook: w.name,
			...(typeof w.version === 'number' ? { version: w.version } : {}),
			inputs: (w.inputs ?? {}) as Record<string, unknown>,
			initiator: input.initiator
		});
		try {
			const result = await executeChild<typeof runbookRunV1>('runbookRun', { workflowId: child.workflowId, args: [child.input], parentClosePolicy: ParentClosePolicy.REQUEST_CANCEL });
			return { runId: child.input.runId, status: result.status, outputs: result.outputs };
		} catch (error) {
			if (isCancellation(error)) throw error;
			throw ApplicationFailure.create({ type: 'ChildRunFailed', nonRetryable: true, message: `child run of "${w.name}" (${child.input.runId}) ended: ${describeFailure(error)}` });
		}
	}

	/** One execution of a step's work: in the step's own context, or a forEach item's. */
	async function runOnce(step: RunbookStep, callId: string, scope: ExpressionContext): Promise<Record<string, unknown>> {
		switch (step.uses) {
			case 'manual':
				return awaitChecklist(step, scope);
			case 'wait':
				return runWait(step, scope);
			case 'runbook':
				return runChild(step, callId, scope);
			default: {
				const params = resolveExpressions(step.with, scope);
				// A whole step's activity records its own `running` and `succeeded` (activities/index.ts): no extra ledger round trip.
				return stepActivity(step.uses, stepActivityOptions(step))(stepContext(callId, callId === step.id), params);
			}
		}
	}

	async function runForEach(step: RunbookStep, forEach: NonNullable<RunbookStep['forEach']>): Promise<Record<string, unknown>> {
		const items = typeof forEach.items === 'string' ? evaluateString(forEach.items, context) : forEach.items;
		if (!Array.isArray(items)) throw invalid(`step ${step.id}: forEach.items must give a list, not ${items === null ? 'null' : typeof items}`);
		const progress = { total: items.length, succeeded: 0, failed: 0, skipped: 0 };
		stepState(step.id).items = progress;
		await transition(step.id, 'running', { message: `${items.length} items, up to ${forEach.maxConcurrency} at a time, at most ${forEach.maxErrors} may fail` });
		const summary = await forEachItem(
			items.length,
			forEach,
			(index) => runOnce(step, `${step.id}[${index}]`, { ...context, item: items[index] }),
			describeFailure,
			async (outcome) => {
				progress[outcome.status === 'succeeded' ? 'succeeded' : 'failed']++;
				await ledger['ledger.stepEvent']({ runId, stepId: step.id, status: `item ${outcome.status}`, message: `item ${outcome.index}${outcome.error ? `: ${outcome.error}` : ''}` });
			}
		);
		progress.skipped = summary.skipped;
		const errors = summary.outcomes.filter((o) => o.status === 'failed').map((o) => ({ index: o.index, error: o.error }));
		if (summary.exceeded) {
			const first = errors[0];
			throw ApplicationFailure.create({
				type: 'ForEachFailed',
				nonRetryable: true,
				message: `${summary.failed} of ${items.length} items failed (maxErrors ${forEach.maxErrors}), ${summary.skipped} not started; item ${first.index}: ${first.error}`
			});
		}
		return { results: summary.outcomes.map((o) => o.outputs ?? null), succeeded: summary.succeeded, failed: summary.failed, errors };
	}

	/** Puts a step on hold (once per reason), so the page and API say why it has not started. */
	async function hold(stepId: string, reason: StepHold) {
		const step = stepState(stepId);
		if (step.hold?.message === reason.message) return;
		step.status = 'waiting';
		step.hold = reason;
		await ledger['ledger.stepChanged']({ runId, stepId, status: 'waiting', message: reason.message });
	}

	/**
	 * A risky step starts only when no emergency stop is in force, the runbook's window (if any) is
	 * open and no change freeze covers the target — or an approver has overridden the freeze for
	 * this step. The window and freezes are asked again after each wait: documents may change.
	 */
	async function clearHolds(stepId: string): Promise<void> {
		for (;;) {
			if (stops.length) throw new RunStopped();
			const stop = emergency.active();
			if (stop) {
				await hold(stepId, { kind: 'emergency_stop', message: `paused: emergency stop by ${stop.by} (${stop.reason})` });
				await condition(() => !emergency.active() || stops.length > 0);
				continue;
			}
			const check = await windows['windows.check']({ ...(document.spec.window ? { window: document.spec.window } : {}), ...(targetName ? { target: targetName } : {}), at: new Date().toISOString() });
			const wake = () => !!emergency.active() || overrides.has(stepId);
			if (check.freeze && !overrides.has(stepId)) {
				const { name, reason, until } = check.freeze;
				await hold(stepId, { kind: 'freeze', window: name, until, message: `held by change freeze "${name}"${reason ? ` (${reason})` : ''} until ${until}; an approver may override` });
				// Never less than a second: a clock a hair behind the window's own must not spin.
				await pause(Math.max(1000, Date.parse(until) - Date.now()), wake);
				continue;
			}
			const window = check.maintenance;
			if (window && !window.open && window.opensAt) {
				await hold(stepId, { kind: 'window', window: window.name, until: window.opensAt, message: `waiting for maintenance window "${window.name}", which opens ${window.opensAt}` });
				await pause(Math.max(1000, Date.parse(window.opensAt) - Date.now()), () => !!emergency.active());
				continue;
			}
			delete stepState(stepId).hold;
			return;
		}
	}

	/** A step a resumed run carries over: its outputs stand and it is not run again. */
	function carryOver(node: PlannedStep): boolean {
		const resumed = input.resume?.steps[node.id];
		if (!resumed) return false;
		const outputs = resumed.outputs ?? {};
		// A decision counts only for the version, inputs and target it was given for.
		const decided = outputs.binding as DecisionBinding | undefined;
		if (decided && (decided.version !== binding.version || decided.inputs !== binding.inputs || decided.target !== binding.target)) return false;
		Object.assign(stepState(node.id), { status: resumed.status, ...(resumed.status === 'succeeded' ? { outputs } : {}) });
		if (resumed.status === 'succeeded') {
			context.steps[node.id] = { outputs };
			if (node.kind === 'step') completed.push(node.step);
		}
		return true;
	}

	async function runNode(node: PlannedStep): Promise<void> {
		await Promise.all(node.needs.map(settle));
		// Not started once the run stops: cancelOpenSteps ends it with the rest.
		if (stops.length || carryOver(node)) return;
		// A gate shares its step's condition: there is nothing to approve if the step will be skipped.
		const step = node.kind === 'gate' ? (planned.get(node.gateFor) as Extract<PlannedStep, { kind: 'step' }>).step : node.step;
		try {
			if (step.if !== undefined && !isTruthy(evaluateString(step.if, context))) {
				await transition(node.id, 'skipped', { message: `skipped: ${step.if} is false` });
				return;
			}
			if (node.kind === 'step' && node.approvals && !node.approvals.some((id) => stepState(id).status === 'succeeded')) {
				await transition(node.id, 'skipped', { message: `skipped: high risk, and no approval on its path was given (${node.approvals.join(', ')})` });
				return;
			}
			let outputs: Record<string, unknown> | undefined;
			if (node.kind === 'gate' || node.step.uses === 'approval') outputs = await awaitApproval(node);
			else {
				if (effectiveRisk(node.step) !== 'low') {
					await clearHolds(node.id);
					for (let lapsed = lapsedApproval(node); lapsed; lapsed = lapsedApproval(node)) {
						await reapprove(lapsed);
						await clearHolds(node.id);
					}
				}
				if (node.step.forEach) outputs = await runForEach(node.step, node.step.forEach);
				else {
					stepState(node.id).status = 'running';
					outputs = await runOnce(node.step, node.id, context);
				}
			}
			if (outputs === undefined) return;
			context.steps[node.id] = { outputs };
			if (node.kind === 'step') completed.push(node.step);
			// An activity step's own activity has already written `succeeded` with its outputs.
			const recorded = node.kind === 'step' && !node.step.forEach && !['approval', 'manual', 'wait', 'runbook'].includes(node.step.uses);
			if (recorded) Object.assign(stepState(node.id), { status: 'succeeded', outputs });
			else await transition(node.id, 'succeeded', { outputs });
		} catch (error) {
			if (isCancellation(error)) throw error;
			if (error instanceof RunStopped) return;
			const message = describeFailure(error);
			await transition(node.id, 'failed', { error: message });
			// A gate fails by the runbook's policy: the guarded step's own policy is about the step's work.
			const policy = (node.kind === 'step' ? node.step.onFailure : undefined) ?? document.spec.onFailure;
			if (policy !== 'continue') stops.push({ stepId: node.id, message, error, rollback: policy === 'rollback' });
		}
	}

	const settling = new Map<string, Promise<void>>();
	function settle(stepId: string): Promise<void> {
		let settled = settling.get(stepId);
		if (!settled) {
			settled = runNode(planned.get(stepId)!);
			settling.set(stepId, settled);
		}
		return settled;
	}

	/** `concurrency: target`: waits, visibly queued, until the target's lock hands this run its turn. */
	async function takeTurn(target: string): Promise<void> {
		const { holder, ahead } = await locks['locks.acquire']({ target, workflowId: workflowInfo().workflowId, runId });
		if (lockGranted || (!holder && !ahead.length)) {
			await condition(() => lockGranted);
			return;
		}
		const behind = [...(holder ? [holder] : []), ...ahead];
		state.status = 'queued';
		state.queue = { target, behind };
		await ledger['ledger.runQueued']({ runId, message: `queued: target ${target} is busy with run ${behind.join(', then ')}` });
		await condition(() => lockGranted);
		delete state.queue;
		state.status = 'running';
	}

	async function releaseTurn(): Promise<void> {
		if (!lockTarget) return;
		await CancellationScope.nonCancellable(async () => {
			try {
				await getExternalWorkflowHandle(targetLockWorkflowId(lockTarget)).signal(releaseLockSignal, { workflowId: workflowInfo().workflowId });
			} catch {
				// The lock has ended already (it ends when nobody holds or waits): there is nothing to give back.
			}
		});
	}

	/** After a failed compensation: the run has ended, and a person is shown what is left to undo. */
	async function openUndoChecklist(left: Array<{ step: RunbookStep; error: string }>): Promise<void> {
		const stepId = 'rollback.manual';
		state.steps.push({ id: stepId, uses: 'manual', status: 'pending', needs: [] });
		await ledger['ledger.stepsAdded']({ runId, steps: [{ stepId, uses: 'manual', before: '' }] });
		const checklist = left.map(({ step, error }) => `Undo step "${step.id}" by hand (its rollback ${step.rollback!.uses} failed: ${error})`);
		const manual: RunbookStep = {
			id: stepId,
			uses: 'manual',
			with: { checklist, instructions: 'These completed steps could not be compensated automatically. Undo each one, then tick it off.', assignees: ['role:operator', 'role:responder', 'role:admin'] }
		} as RunbookStep;
		const outputs = await awaitChecklist(manual, context, false);
		await transition(stepId, 'succeeded', { outputs, message: 'what was left to undo has been undone by hand' });
	}

	try {
		if (lockTarget) await takeTurn(lockTarget);
		const started = await ledger['ledger.runStarted']({ runId, ...(input.resume ? { resumed: input.resume.count } : {}) });
		emergency.note(started?.emergencyStop);
		if (planError) {
			await finish('failed', planError.message);
			throw ApplicationFailure.create({ type: 'InvalidRunbook', nonRetryable: true, message: planError.message });
		}
		const gates = plan.flatMap((p) => (p.kind === 'gate' ? [{ stepId: p.id, uses: 'approval', before: p.gateFor }] : []));
		if (gates.length && !input.resume) await ledger['ledger.stepsAdded']({ runId, steps: gates });

		const results = await Promise.allSettled(plan.map((p) => settle(p.id)));
		const rejected = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
		if (rejected) {
			if (!isCancellation(rejected.reason)) throw rejected.reason;
			// Cancelling a run compensates what it already did; that work must not itself be cancelled.
			await CancellationScope.nonCancellable(async () => {
				await cancelOpenSteps('cancelled by request');
				await compensate();
				await finish('cancelled', 'cancelled by request');
			});
			throw rejected.reason;
		}

		// Decisions still being written to the audit log belong to this run's record: let them land first.
		await condition(allHandlersFinished);
		if (stops.length) {
			const [first] = stops;
			await cancelOpenSteps(`not run: step ${first.stepId} failed`);
			let status: RunStatus = 'failed';
			const left = stops.some((s) => s.rollback) ? await compensate() : undefined;
			if (left) status = left.length ? 'rollback_incomplete' : 'rolled_back';
			await finish(status, `step ${first.stepId} failed: ${first.message}`);
			if (left?.length) await openUndoChecklist(left);
			throw ApplicationFailure.create({ message: `step ${first.stepId} failed: ${first.message}`, type: 'StepFailed', nonRetryable: true, cause: first.error as Error });
		}
		await finish('succeeded');
		return { status: 'succeeded', outputs: Object.fromEntries(Object.entries(context.steps).map(([id, s]) => [id, s.outputs])) };
	} finally {
		await releaseTurn();
	}
}
