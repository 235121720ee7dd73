import {
	ActivityFailure,
	ApplicationFailure,
	CancellationScope,
	allHandlersFinished,
	condition,
	isCancellation,
	proxyActivities,
	setHandler,
	type ActivityOptions
} from '@temporalio/workflow';
import type { LedgerActivities, StepChange } from '../activities/run-ledger.ts';
import type { RunStatus, StepStatus } from '../db/schema/runs.ts';
import { STEP_TYPE_BY_USES } from '../runbooks/catalog.ts';
import { parseDuration } from '../runbooks/duration.ts';
import { evaluateString, resolveExpressions, type ExpressionContext } from '../runbooks/expressions.ts';
import type { RunbookStep } from '../runbooks/schema.ts';
import { approvalParams, decisionRefusal, IMPLICIT_GATE, verdictOf, type ApprovalParams, type Refusal } from './approvals.ts';
import {
	decideUpdate,
	NON_RETRYABLE_ERROR_TYPES,
	runStateQuery,
	type ApprovalView,
	type DecisionRequest,
	type RunbookRunInput,
	type RunbookRunResult,
	type RunState,
	type StepState
} from './definitions.ts';
import { PlanError, planRun, type PlannedStep } from './plan.ts';

type StepActivity = (context: { runId: string; stepId: string; target: string }, params: unknown) => Promise<Record<string, unknown>>;

// Ledger writes are small and idempotent: retry them for as long as it takes rather than lose a transition.
const ledger = proxyActivities<LedgerActivities>({ startToCloseTimeout: '30s', retry: { initialInterval: '1s', maximumInterval: '30s' } });

function stepActivityOptions(step: RunbookStep): ActivityOptions {
	const retry = step.retry ?? { maxAttempts: 3, initialInterval: '5s', backoff: 2 };
	const heartbeatTimeout = STEP_TYPE_BY_USES.get(step.uses)?.heartbeatTimeout;
	return {
		startToCloseTimeout: parseDuration(step.timeout ?? '1h'),
		...(heartbeatTimeout ? { heartbeatTimeout } : {}),
		retry: {
			maximumAttempts: retry.maxAttempts,
			initialInterval: parseDuration(retry.initialInterval),
			backoffCoefficient: retry.backoff,
			...(retry.maxInterval !== undefined ? { maximumInterval: parseDuration(retry.maxInterval) } : {}),
			nonRetryableErrorTypes: NON_RETRYABLE_ERROR_TYPES
		}
	};
}

function stepActivity(uses: string, options: ActivityOptions): StepActivity {
	return proxyActivities<Record<string, StepActivity>>(options)[uses];
}

/** The message a person should read: the activity's own error, not Temporal's wrapper. */
function describeFailure(error: unknown): string {
	if (error instanceof ActivityFailure && error.cause) return error.cause.message;
	return error instanceof Error ? error.message : String(error);
}

function isTruthy(value: unknown): boolean {
	return !(value === false || value === 'false' || value === 0 || value === '' || value === null || value === undefined);
}

function formatMs(ms: number): string {
	return ms % 3_600_000 === 0 ? `${ms / 3_600_000}h` : ms % 60_000 === 0 ? `${ms / 60_000}m` : ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

const STILL_OPEN: readonly StepStatus[] = ['pending', 'waiting', 'running', 'retrying'];

/** A failure whose policy ends the run (stop or rollback); `continue` failures never become one. */
interface Stop {
	stepId: string;
	message: string;
	error: unknown;
	rollback: boolean;
}

/** An approval while it waits: what approvers see, and whose decisions are being written to the audit log. */
interface OpenApproval {
	view: ApprovalView;
	inFlight: Set<string>;
	/** Set at the deadline: later decisions are refused, those already accepted still count. */
	closed: boolean;
}

/**
 * Interprets one pinned runbook version as a graph (workflows/plan.ts): every step starts as soon
 * as the steps it needs are done, so independent branches run at once. Activity steps carry their
 * retry and timeout; `if` skips a step (its dependents still run); approvals wait for decisions
 * sent as the `decide` Update. A failure whose policy is `continue` lets dependents run; `stop` or
 * `rollback` starts nothing new, lets steps already running finish (cutting an activity short
 * would leave half-done work that no compensation covers), cancels waiting approvals, ends every
 * step that never ran `cancelled`, and with `rollback` compensates the completed steps in reverse
 * order of completion.
 */
export async function runbookRun(input: RunbookRunInput): Promise<RunbookRunResult> {
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
	const stops: Stop[] = [];
	const completed: RunbookStep[] = [];

	setHandler(runStateQuery, (): RunState => ({ ...state, pendingApprovals: state.steps.filter((s) => s.status === 'waiting' && s.approval).map((s) => s.approval!) }));

	const context: ExpressionContext = {
		inputs: input.inputs,
		steps: {},
		target: input.target ? { ...input.target } : {},
		run: { id: runId, runbook: input.runbook.name, version: input.runbook.version, initiator: input.initiator.username }
	};
	const stepContext = (stepId: string) => ({ runId, stepId, target: input.target?.name ?? '' });

	async function transition(stepId: string, status: StepStatus, change: Omit<StepChange, 'runId' | 'stepId' | 'status'> = {}) {
		const step = stepState(stepId);
		step.status = status;
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

	/** Undo completed steps, newest first; returns false if any compensation failed. */
	async function compensate(): Promise<boolean> {
		let complete = true;
		for (const step of [...completed].reverse()) {
			if (!step.rollback) continue;
			try {
				const params = resolveExpressions(step.rollback.with, context);
				await stepActivity(step.rollback.uses, stepActivityOptions(step))(stepContext(`${step.id}.rollback`), params);
				await transition(step.id, 'compensated', { message: `compensated by ${step.rollback.uses}` });
			} catch (error) {
				complete = false;
				await ledger['ledger.stepChanged']({ runId, stepId: step.id, status: 'failed', error: `rollback failed: ${describeFailure(error)}` });
			}
		}
		return complete;
	}

	function refusal(request: DecisionRequest): Refusal | undefined {
		const { stepId, decision, comment, actor } = (request ?? {}) as Partial<DecisionRequest>;
		if (typeof stepId !== 'string' || (decision !== 'approve' && decision !== 'reject') || (comment !== undefined && typeof comment !== 'string'))
			return { type: 'InvalidDecision', message: 'a decision needs stepId, decision (approve or reject) and an optional comment' };
		if (!actor || typeof actor.id !== 'string' || typeof actor.username !== 'string' || !Array.isArray(actor.roles))
			return { type: 'InvalidDecision', message: 'a decision needs the actor: id, username and roles' };
		const step = state.steps.find((s) => s.id === stepId);
		if (!step) return { type: 'UnknownStep', message: `this run has no step "${stepId}"` };
		const approval = open.get(stepId);
		if (step.status !== 'waiting' || !approval || approval.closed || stops.length || verdictOf(approval.view))
			return { type: 'StepNotWaiting', message: `step "${stepId}" is not waiting for a decision` };
		if (approval.inFlight.has(actor.id)) return { type: 'AlreadyDecided', message: `${actor.username} has already decided on step "${stepId}"` };
		return decisionRefusal(approval.view, actor, input.initiator);
	}

	setHandler(
		decideUpdate,
		async (request) => {
			// Checked again: another decision may have settled the step since the validator ran.
			const refused = refusal(request);
			if (refused) throw ApplicationFailure.create({ type: refused.type, message: refused.message, nonRetryable: true });
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
		{
			validator: (request) => {
				const refused = refusal(request);
				if (refused) throw ApplicationFailure.create({ type: refused.type, message: refused.message, nonRetryable: true });
			}
		}
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
		if (verdict === 'approved') return { decisions: [...view.decisions] };
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

	async function runActivity(step: RunbookStep): Promise<Record<string, unknown>> {
		await transition(step.id, 'running');
		const params = resolveExpressions(step.with, context);
		return stepActivity(step.uses, stepActivityOptions(step))(stepContext(step.id), params);
	}

	async function runNode(node: PlannedStep): Promise<void> {
		await Promise.all(node.needs.map(settle));
		// Not started once the run stops: cancelOpenSteps ends it with the rest.
		if (stops.length) return;
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
			// Running a forEach step once, with `item` unset, would act on the wrong thing: refuse it until it is interpreted.
			if (node.kind === 'step' && node.step.forEach) throw ApplicationFailure.create({ type: 'InvalidStepParams', nonRetryable: true, message: `step ${node.id}: forEach is not run by this version of the interpreter yet` });
			const outputs = node.kind === 'gate' || node.step.uses === 'approval' ? await awaitApproval(node) : await runActivity(node.step);
			if (outputs === undefined) return;
			context.steps[node.id] = { outputs };
			if (node.kind === 'step') completed.push(node.step);
			await transition(node.id, 'succeeded', { outputs });
		} catch (error) {
			if (isCancellation(error)) throw error;
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

	await ledger['ledger.runStarted']({ runId });
	if (planError) {
		await finish('failed', planError.message);
		throw ApplicationFailure.create({ type: 'InvalidRunbook', nonRetryable: true, message: planError.message });
	}
	const gates = plan.flatMap((p) => (p.kind === 'gate' ? [{ stepId: p.id, uses: 'approval', before: p.gateFor }] : []));
	if (gates.length) await ledger['ledger.stepsAdded']({ runId, steps: gates });

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
		if (stops.some((s) => s.rollback)) status = (await compensate()) ? 'rolled_back' : 'rollback_incomplete';
		await finish(status, `step ${first.stepId} failed: ${first.message}`);
		throw ApplicationFailure.create({ message: `step ${first.stepId} failed: ${first.message}`, type: 'StepFailed', nonRetryable: true, cause: first.error as Error });
	}
	await finish('succeeded');
	return { status: 'succeeded', outputs: Object.fromEntries(Object.entries(context.steps).map(([id, s]) => [id, s.outputs])) };
}
