import { allHandlersFinished, ApplicationFailure, CancellationScope, CancelledFailure, condition, isCancellation, setHandler } from '@temporalio/workflow';
import { evaluateString, resolveExpressions, type ExpressionContext } from '../../runbooks/expressions.ts';
import { finallySteps, isRisky, itemId, planRun, PlanError, topologicalOrder, UNDO_CHECKLIST_STEP, type PlannedStep, type RunStatus } from '../../runbooks/run-model.ts';
import type { RunbookStep } from '../../runbooks/schema.ts';
import { cancelAct } from '../acts.ts';
import type { Refusal } from '../approvals.ts';
import { cancelRunUpdate, runStateQuery, type CancelRequest, type DecisionBinding, type RunbookRunInput, type RunbookRunResult } from '../definitions.ts';
import { fingerprint } from '../fingerprint.ts';
import { forEachItem } from '../for-each.ts';
import { callStepActivity, noteAttempts, stepAttempts } from './activity-steps.ts';
import { ApprovalSteps } from './approval-steps.ts';
import { ChecklistSteps } from './checklist-steps.ts';
import { runChild } from './child-run-steps.ts';
import { describeFailure, invalid, isStepFailure, isTruthy } from './failures.ts';
import { Holds } from './holds.ts';
import { recordAct } from './record-act.ts';
import { actorRefusal, refuse } from './refusals.ts';
import { RunControl, RunStopped, type RunContext } from './run-context.ts';
import { RunState } from './run-state.ts';
import { compensate, undoByHand, type Undone } from './saga.ts';
import { TargetTurn } from './target-turn.ts';
import { runWait } from './wait-steps.ts';

/**
 * One run of a pinned runbook version (engine v2), interpreted as a graph (runbooks/run-model.ts):
 * every step starts as soon as the steps it needs are done, so independent branches run at once.
 *
 * A failure whose policy is `continue` lets dependents run; `stop` or `rollback` starts nothing
 * new, lets steps already running finish (cutting an activity short would leave half-done work
 * that no compensation covers), ends every step that never ran `cancelled`, and with `rollback`
 * compensates the completed steps newest first. Cancelling (a person's Update, or Temporal's own
 * cancel) stops the steps in flight and compensates too. Whatever happens, the run's last state is
 * written before the workflow ends: the projection never says `running` about a closed workflow.
 */
export class Run {
	private readonly context: RunContext;
	private readonly plan: PlannedStep[] = [];
	/** Steps that run once the run has ended (spec.finally, notifyOnFailure). */
	private readonly finally: ReturnType<typeof finallySteps>;
	private readonly planError?: PlanError;
	private readonly approvals: ApprovalSteps;
	private readonly checklists: ChecklistSteps;
	private readonly holds: Holds;
	private readonly turn: TargetTurn;
	/** Steps with side effects that completed, in order: what a rollback undoes. */
	private readonly completed: RunbookStep[] = [];
	private readonly settling = new Map<string, Promise<void>>();
	private readonly approvedUpstreamOf = new Map<string, boolean>();
	/** The run's work; cancelling it (an Update from a person, or Temporal's cancel) cancels the steps in flight. */
	private readonly work = new CancellationScope();
	private concluding = false;
	private cancelledBy?: string;
	/** Temporal's own cancel request reached the run (the web sends one after its cancel Update; operators send them directly). */
	private cancelRequested = false;

	constructor(private readonly input: RunbookRunInput) {
		try {
			this.plan = planRun(input.document);
		} catch (error) {
			if (!(error instanceof PlanError)) throw error;
			this.planError = error;
		}
		this.finally = finallySteps(input.document);
		const steps = [
			...(this.planError
				? input.document.spec.steps.map((s) => ({ id: s.id, uses: s.uses, needs: s.needs ?? [] }))
				: this.plan.map((p) => ({ id: p.id, uses: p.kind === 'gate' ? 'approval' : p.step.uses, needs: p.needs }))),
			...this.finally.map((f) => ({ id: f.id, uses: f.step.uses, needs: f.needs }))
		];
		const expressions: ExpressionContext = {
			inputs: input.inputs,
			steps: {},
			target: input.target ? { ...input.target } : {},
			run: { id: input.runId, runbook: input.runbook.name, version: input.runbook.version, initiator: input.initiator.username, status: 'running', error: null }
		};
		const binding: DecisionBinding = { version: input.runbook.version, inputs: fingerprint(input.inputs), target: input.target?.name ?? null };
		this.context = {
			input,
			state: new RunState(input.runId, input.initiator, steps),
			control: new RunControl(),
			expressions,
			binding,
			planned: new Map(this.plan.map((p) => [p.id, p])),
			targetName: input.target?.name ?? ''
		};
		this.approvals = new ApprovalSteps(this.context);
		this.checklists = new ChecklistSteps(this.context);
		this.holds = new Holds(this.context);
		this.turn = new TargetTurn(this.context, input.document.spec.concurrency === 'target' && input.target ? input.target.name : undefined);
		// Constructed in the workflow's root scope: its cancel request is Temporal's cancel of the run.
		CancellationScope.current().cancelRequested.catch(() => (this.cancelRequested = true));
		setHandler(runStateQuery, () => this.context.state.view(this.context.control.emergency.active()));
		setHandler(cancelRunUpdate, (request) => this.cancel(request), { validator: (request) => refuse(this.cancelRefusal(request)) });
	}

	async execute(): Promise<RunbookRunResult> {
		this.context.state.startWriting();
		let cancelled = false;
		try {
			await this.work.run(() => this.walk());
		} catch (error) {
			// Anything but a cancellation is a bug in the interpreter: it fails the workflow task, which Temporal retries.
			if (!isCancellation(error)) throw error;
			cancelled = true;
		}
		return CancellationScope.nonCancellable(() => this.conclude(cancelled));
	}

	private cancelRefusal(request: CancelRequest): Refusal | undefined {
		if (request?.reason !== undefined && typeof request.reason !== 'string') return { type: 'InvalidDecision', message: 'a cancel takes an optional reason' };
		const refused = actorRefusal(request?.actor);
		if (refused) return refused;
		if (this.concluding || this.cancelledBy) return { type: 'StepNotWaiting', message: 'the run is already ending' };
		return undefined;
	}

	private async cancel(request: CancelRequest): Promise<{ cancelled: boolean }> {
		refuse(this.cancelRefusal(request));
		this.cancelledBy = request.actor.username;
		await recordAct(this.context.state, 
			cancelAct(this.input.runId, request),
			request,
			{ kind: 'run.cancel_requested', details: { actor: request.actor.username, ...(request.reason ? { reason: request.reason } : {}) } },
			{ action: 'run.cancel', details: request.reason ? { reason: request.reason } : {} }
		);
		if (!this.concluding) this.work.cancel();
		return { cancelled: !this.concluding };
	}

	private async walk(): Promise<void> {
		const { state, control } = this.context;
		await this.turn.take();
		control.emergency.note(await state.start(this.input.resume?.count));
		if (this.planError || state.withdrawn) return;
		const results = await Promise.allSettled(this.plan.map((p) => this.settle(p.id)));
		const rejected = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
		if (rejected) throw rejected.reason;
	}

	/** Ends the run: what was not run is cancelled, what must be undone is compensated, and the outcome is written. */
	private async conclude(cancelled: boolean): Promise<RunbookRunResult> {
		const { state, control } = this.context;
		this.concluding = true;
		if (state.withdrawn) {
			await this.turn.release();
			throw ApplicationFailure.create({ type: 'RunWithdrawn', nonRetryable: true, message: 'the run was withdrawn before it started (its start could not reach Temporal in time); nothing was done' });
		}
		// Acts still being written to the audit log belong to this run's record: let them land first.
		await condition(allHandlersFinished);
		let status: RunStatus = 'succeeded';
		let error: string | undefined;
		let left: Undone[] = [];
		const [first] = control.stops;
		if (cancelled) {
			state.cancelOpen({ reason: 'cancelled', ...(this.cancelledBy ? { by: this.cancelledBy } : {}) }, this.finallyIds());
			left = await compensate(this.context, this.completed);
			status = left.length ? 'rollback_incomplete' : 'cancelled';
			error = this.cancelledBy ? `cancelled by ${this.cancelledBy}` : 'cancelled by request';
		} else if (this.planError) {
			status = 'failed';
			error = this.planError.message;
		} else if (first) {
			state.cancelOpen({ reason: 'run_stopped', failedStep: first.stepId }, this.finallyIds());
			status = 'failed';
			if (control.stops.some((s) => s.rollback)) {
				left = await compensate(this.context, this.completed);
				status = left.length ? 'rollback_incomplete' : 'rolled_back';
			}
			error = `step ${first.stepId} failed: ${first.message}`;
		}
		// The undo checklist is part of how the run ended: written with the end, so nobody sees a settled run without it.
		if (left.length) state.added(UNDO_CHECKLIST_STEP, 'manual');
		state.finished(status, error);
		await state.persisted();
		await this.runFinally(status, error);
		if (left.length) await undoByHand(this.context, this.checklists, left);
		await this.turn.release();
		await state.close();

		if (cancelled) {
			// Temporal shows a run as cancelled only if it was asked through Temporal too; the web's request follows its Update at once.
			if (!this.cancelRequested) await condition(() => this.cancelRequested, '30s');
			throw new CancelledFailure(error);
		}
		if (this.planError) throw ApplicationFailure.create({ type: 'InvalidRunbook', nonRetryable: true, message: this.planError.message });
		if (first) throw ApplicationFailure.create({ message: error, type: 'StepFailed', nonRetryable: true, cause: first.error as Error });
		return { status, outputs: Object.fromEntries(Object.entries(this.context.expressions.steps).map(([id, s]) => [id, s.outputs])) };
	}

	private finallyIds(): Set<string> {
		return new Set(this.finally.map((f) => f.id));
	}

	/**
	 * `spec.finally` (and the failure notice): after the run has ended, whatever its outcome, with
	 * `run.status` and `run.error` in scope. Each is recorded; none changes the run's outcome, and
	 * one that fails does not keep the next from running.
	 */
	private async runFinally(status: RunStatus, error: string | undefined): Promise<void> {
		if (!this.finally.length) return;
		const { state, expressions } = this.context;
		Object.assign(expressions.run, { status, error: error ?? null });
		const byId = new Map(this.finally.map((f) => [f.id, f]));
		const ids = topologicalOrder(this.finally.map((f) => f.id), new Map(this.finally.map((f) => [f.id, f.needs.filter((n) => byId.has(n))])));
		for (const id of ids) {
			const { step } = byId.get(id)!;
			try {
				if (step.if !== undefined && !isTruthy(evaluateString(step.if, expressions))) {
					state.skipped(id, { reason: 'if', condition: step.if });
					continue;
				}
				const outputs = await this.runOnce(step, id, expressions);
				expressions.steps[id] = { outputs };
				state.succeeded(id, outputs);
			} catch (failure) {
				if (isCancellation(failure) || !isStepFailure(failure)) throw failure;
				state.failed(id, describeFailure(failure));
			}
		}
		await state.persisted();
	}

	private settle(stepId: string): Promise<void> {
		let settled = this.settling.get(stepId);
		if (!settled) {
			settled = this.runNode(this.context.planned.get(stepId)!);
			this.settling.set(stepId, settled);
		}
		return settled;
	}

	/** True when an approval upstream of the step (or its gate) was given; linear over the graph, each answer kept. */
	private approvedUpstream(stepId: string): boolean {
		const known = this.approvedUpstreamOf.get(stepId);
		if (known !== undefined) return known;
		const { planned, state } = this.context;
		const approved = planned.get(stepId)!.needs.some((need) => {
			const node = planned.get(need)!;
			const isApproval = node.kind === 'gate' || node.step.uses === 'approval';
			return (isApproval && state.step(need).status === 'succeeded') || this.approvedUpstream(need);
		});
		this.approvedUpstreamOf.set(stepId, approved);
		return approved;
	}

	private async runNode(node: PlannedStep): Promise<void> {
		const { state, control, expressions, planned } = this.context;
		await Promise.all(node.needs.map((id) => this.settle(id)));
		// Not started once the run stops: conclude() ends it with the rest.
		if (control.stopped || this.carryOver(node)) return;
		// A gate shares its step's condition: there is nothing to approve if the step will be skipped.
		const step = node.kind === 'gate' ? (planned.get(node.gateFor) as Extract<PlannedStep, { kind: 'step' }>).step : node.step;
		try {
			if (step.if !== undefined && !isTruthy(evaluateString(step.if, expressions))) {
				state.skipped(node.id, { reason: 'if', condition: step.if });
				return;
			}
			if (node.kind === 'step' && node.approvals && !this.approvedUpstream(node.id)) {
				state.skipped(node.id, { reason: 'not_approved', approvals: node.approvals });
				return;
			}
			let outputs: Record<string, unknown> | undefined;
			if (node.kind === 'gate' || node.step.uses === 'approval') outputs = await this.approvals.await(node);
			else {
				if (isRisky(node.step)) {
					await this.holds.clear(node.id);
					for (let lapsed = this.approvals.lapsed(node); lapsed; lapsed = this.approvals.lapsed(node)) {
						await this.approvals.reapprove(lapsed);
						await this.holds.clear(node.id);
					}
				}
				outputs = node.step.forEach ? await this.runForEach(node.step, node.step.forEach) : await this.runOnce(node.step, node.id, expressions);
			}
			if (outputs === undefined) return;
			expressions.steps[node.id] = { outputs };
			if (node.kind === 'step') this.completed.push(node.step);
			state.succeeded(node.id, outputs);
		} catch (error) {
			if (isCancellation(error)) throw error;
			if (error instanceof RunStopped) return;
			if (!isStepFailure(error)) throw error;
			const message = describeFailure(error);
			state.failed(node.id, message);
			// A gate fails by the runbook's policy: the guarded step's own policy is about the step's work.
			const policy = (node.kind === 'step' ? node.step.onFailure : undefined) ?? this.input.document.spec.onFailure;
			if (policy !== 'continue') control.stop({ stepId: node.id, message, error, rollback: policy === 'rollback' });
		}
	}

	/** One execution of a step's work: the whole step (`callId` is its id), or a forEach item's. */
	private runOnce(step: RunbookStep, callId: string, scope: ExpressionContext): Promise<Record<string, unknown>> {
		switch (step.uses) {
			case 'manual':
				return this.checklists.await(step, scope);
			case 'wait':
				return runWait(this.context, step, scope);
			case 'runbook':
				return runChild(this.context, step, callId, scope);
			default: {
				const params = resolveExpressions(step.with, scope);
				const attempts = callId === step.id ? stepAttempts(this.context, step.id) : noteAttempts(this.context, step.id, callId);
				return callStepActivity(this.context, step, step.uses, callId, params, attempts);
			}
		}
	}

	private async runForEach(step: RunbookStep, forEach: NonNullable<RunbookStep['forEach']>): Promise<Record<string, unknown>> {
		const { state, expressions } = this.context;
		const items = typeof forEach.items === 'string' ? evaluateString(forEach.items, expressions) : forEach.items;
		if (!Array.isArray(items)) throw invalid(`step ${step.id}: forEach.items must give a list, not ${items === null ? 'null' : typeof items}`);
		const progress = { total: items.length, succeeded: 0, failed: 0, skipped: 0 };
		state.running(step.id, 'step.items_started', { items: items.length, maxConcurrency: forEach.maxConcurrency, maxErrors: forEach.maxErrors });
		state.progress(step.id, progress);
		const summary = await forEachItem(
			items.length,
			forEach,
			(index) => this.runOnce(step, itemId(step.id, index), { ...expressions, item: items[index] }),
			describeFailure,
			(outcome) => {
				progress[outcome.status === 'succeeded' ? 'succeeded' : 'failed']++;
				state.note(step.id, 'step.item', { index: outcome.index, status: outcome.status, ...(outcome.error ? { error: outcome.error } : {}) }, progress);
			},
			(error) => !isCancellation(error) && isStepFailure(error)
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

	/** A step a resumed run carries over: its outputs stand and it is not run again. */
	private carryOver(node: PlannedStep): boolean {
		const resumed = this.input.resume?.steps[node.id];
		if (!resumed) return false;
		const outputs = resumed.outputs ?? {};
		// A decision counts only for the version, inputs and target it was given for.
		const decided = outputs.binding as DecisionBinding | undefined;
		const { binding, state, expressions } = this.context;
		if (decided && (decided.version !== binding.version || decided.inputs !== binding.inputs || decided.target !== binding.target)) return false;
		const step = state.step(node.id);
		step.status = resumed.status;
		if (resumed.status === 'succeeded') {
			step.outputs = outputs;
			expressions.steps[node.id] = { outputs };
			if (node.kind === 'step') this.completed.push(node.step);
		}
		return true;
	}
}
