import { ApplicationFailure, condition, setHandler } from '@temporalio/workflow';
import { evaluateString, resolveExpressions } from '../../runbooks/expressions.ts';
import type { PlannedStep } from '../../runbooks/run-model.ts';
import type { ApprovalView, DecisionRecord } from '../../runbooks/run-projection.ts';
import { decisionAct } from '../acts.ts';
import { approvalParams, decisionRefusal, IMPLICIT_GATE, settledRefusal, verdictOf, type ApprovalParams, type Refusal } from '../approvals.ts';
import { decideUpdate, type Actor, type DecisionRequest, type DecisionResult } from '../definitions.ts';
import { formatMs } from './failures.ts';
import { windows } from './local-activities.ts';
import { recordAct } from './record-act.ts';
import { RunStopped, type RunContext } from './run-context.ts';
import { actorRefusal, refuse, waitingRefusal } from './refusals.ts';

/** An approval while it waits: decisions being written to the audit log are in flight. */
interface OpenApproval {
	view: ApprovalView;
	/** By actor id: accepted decisions not yet on the audit record. They count towards "already decided". */
	inFlight: Map<string, Pick<DecisionRecord, 'decision'>>;
	/** Set at the deadline: later decisions are refused, those already accepted still count. */
	closed: boolean;
}

/**
 * Approval steps and implicit gates (DESIGN §3): a quorum of distinct eligible people (four eyes
 * by default), an escalation chain on durable timers, then `onTimeout`. Decisions are Updates: the
 * validator refuses before anything reaches history, and a decision counts once the ledger has
 * checked its proof and written it to the audit log.
 */
export class ApprovalSteps {
	private readonly open = new Map<string, OpenApproval>();
	private readonly rounds = new Map<string, number>();

	constructor(private readonly run: RunContext) {
		setHandler(decideUpdate, (request) => this.decide(request), { validator: (request) => refuse(this.refusal(request)) });
	}

	private refusal(request: DecisionRequest): Refusal | undefined {
		const { stepId, decision, comment, round, actor } = (request ?? {}) as Partial<DecisionRequest>;
		if (typeof stepId !== 'string' || (decision !== 'approve' && decision !== 'reject') || (comment !== undefined && typeof comment !== 'string') || (round !== undefined && !Number.isInteger(round)))
			return { type: 'InvalidDecision', message: 'a decision needs stepId, decision (approve or reject), an optional comment and round' };
		const refused = actorRefusal(actor) ?? waitingRefusal(this.run, stepId, this.open.get(stepId), (a) => !a.closed && !this.run.control.stopped);
		if (refused) return refused;
		const open = this.open.get(stepId)!;
		if (round !== undefined && round !== open.view.round) return { type: 'StepNotWaiting', message: `this decision was for round ${round} of step "${stepId}", which has been asked again (round ${open.view.round})` };
		if (open.inFlight.has(actor!.id)) return { type: 'AlreadyDecided', message: `${actor!.username} has already decided on step "${stepId}"` };
		return decisionRefusal(open.view, actor as Actor, this.run.input.initiator) ?? settledRefusal(open.view, [...open.inFlight.values()]);
	}

	private async decide(request: DecisionRequest): Promise<DecisionResult> {
		// Checked again: another decision may have settled the step since the validator ran.
		refuse(this.refusal(request));
		const { stepId, decision, comment, actor } = request;
		const approval = this.open.get(stepId)!;
		const round = approval.view.round!;
		approval.inFlight.set(actor.id, { decision });
		try {
			await recordAct(this.run.state, 
				decisionAct(this.run.input.runId, request),
				request,
				{ stepId, kind: 'approval.decided', details: { actor: actor.username, decision, round, ...(comment ? { comment } : {}) } },
				{ action: `run.step.${decision}`, details: { stepId, round, ...(comment ? { comment } : {}) } }
			);
			approval.view.decisions.push({ actor: { id: actor.id, username: actor.username }, decision, ...(comment ? { comment } : {}), at: new Date().toISOString() });
			this.run.state.approvalChanged(stepId);
		} finally {
			approval.inFlight.delete(actor.id);
		}
		const view = approval.view;
		return { stepId, verdict: verdictOf(view) ?? 'pending', approvals: view.decisions.filter((d) => d.decision === 'approve').length, quorum: view.quorum };
	}

	/** The question, its parameters and its evidence; a gate asks about the step it guards and shows that step's parameters. */
	private describe(node: PlannedStep): { params: ApprovalParams; message: string; evidence: ApprovalView['evidence'] } {
		const scope = this.run.expressions;
		if (node.kind === 'gate') {
			const guarded = (this.run.planned.get(node.gateFor) as Extract<PlannedStep, { kind: 'step' }>).step;
			let evidence: ApprovalView['evidence'][number];
			try {
				evidence = { path: `${guarded.id}.with`, value: resolveExpressions(guarded.with, scope) };
			} catch (error) {
				evidence = { path: `${guarded.id}.with`, error: (error as Error).message };
			}
			return { params: approvalParams(IMPLICIT_GATE), message: `Step "${guarded.id}" (${guarded.uses}) is high risk. Approve it to run?`, evidence: [evidence] };
		}
		// `show` holds paths, not templates: it is read as evidence, not resolved with the rest.
		const { show, ...rest } = node.step.with;
		const params = approvalParams({ ...resolveExpressions(rest, scope), show }, node.step.timeout);
		const evidence = params.show.map((path) => {
			try {
				return { path, value: evaluateString(path.includes('${{') ? path : `\${{ ${path} }}`, scope) };
			} catch (error) {
				return { path, error: (error as Error).message };
			}
		});
		return { params, message: params.message ?? `Approve step "${node.id}"?`, evidence };
	}

	/**
	 * Waits for a quorum or a reject, widening the approvers at each escalation and giving up at the
	 * timeout. Returns the step's outputs, or undefined when it is skipped on timeout; a reject or a
	 * `fail` timeout throws, so onFailure applies; a stop of the run throws RunStopped.
	 */
	async await(node: PlannedStep): Promise<Record<string, unknown> | undefined> {
		const { state, control } = this.run;
		const { params, message, evidence } = this.describe(node);
		const waitingSince = Date.now();
		const round = (this.rounds.get(node.id) ?? 0) + 1;
		this.rounds.set(node.id, round);
		const escalate = params.escalate.filter((e) => params.timeoutMs === undefined || e.afterMs < params.timeoutMs).sort((a, b) => a.afterMs - b.afterMs);
		const view: ApprovalView = {
			stepId: node.id,
			...(node.kind === 'gate' ? { gateFor: node.gateFor } : {}),
			round,
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
		state.approvalOpened(node.id, view, { principals: view.approvers, fourEyes: view.fourEyes });
		// Decisions are accepted only once the wait is on record, so none precedes it on the timeline.
		await state.persisted();
		const approval: OpenApproval = { view, inFlight: new Map(), closed: false };
		this.open.set(node.id, approval);

		const settled = () => (verdictOf(view) !== undefined || control.stopped) && approval.inFlight.size === 0;
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
			state.approvalChanged(node.id, escalation.to);
		}
		if (timedOut) {
			// A decision the validator accepted before the deadline still counts.
			approval.closed = true;
			await condition(() => approval.inFlight.size === 0);
		} else await condition(settled);
		this.open.delete(node.id);

		const verdict = verdictOf(view);
		if (!verdict && !timedOut) throw new RunStopped();
		state.approvalClosed(node.id, verdict ?? 'timed_out');
		if (verdict === 'approved') return { decisions: [...view.decisions], binding: this.run.binding, ...(await this.validity()) };
		if (verdict === 'rejected') {
			const reject = view.decisions.find((d) => d.decision === 'reject')!;
			throw ApplicationFailure.create({ type: 'ApprovalRejected', nonRetryable: true, message: `rejected by ${reject.actor.username}${reject.comment ? `: ${reject.comment}` : ''}` });
		}
		const approvals = view.decisions.filter((d) => d.decision === 'approve').length;
		const why = `${approvals} of ${view.quorum} approvals within ${formatMs(params.timeoutMs!)}`;
		if (params.onTimeout === 'skip') {
			state.skipped(node.id, { reason: 'approval_timed_out', approvals, quorum: view.quorum, timeout: formatMs(params.timeoutMs!) });
			return undefined;
		}
		throw ApplicationFailure.create({ type: 'ApprovalTimedOut', nonRetryable: true, message: `timed out: ${why}` });
	}

	/**
	 * An approval given for a runbook with a window holds until the end of the window's opening it
	 * was given in, or ahead of: once that opening has closed, the risky steps it covers ask again.
	 */
	private async validity(): Promise<{ validUntil?: string }> {
		const window = this.run.input.document.spec.window;
		if (!window) return {};
		const check = await this.run.state.local(() => windows['windows.check']({ window, at: new Date().toISOString() }));
		return check.maintenance?.closesAt ? { validUntil: check.maintenance.closesAt } : {};
	}

	/** Asks a lapsed approval again, in its own step: the step shows `waiting` and the new round's decisions replace the old. */
	async reapprove(approvalId: string): Promise<void> {
		const outputs = await this.await(this.run.planned.get(approvalId)!);
		if (outputs === undefined) throw ApplicationFailure.create({ type: 'ApprovalTimedOut', nonRetryable: true, message: `the renewed approval of ${approvalId} was not given` });
		this.run.expressions.steps[approvalId] = { outputs };
		this.run.state.succeeded(approvalId, outputs, { reason: 'approved_again' });
	}

	/** The covering approval still holds (or none is bound to a window); otherwise the lapsed one to ask again. */
	lapsed(node: Extract<PlannedStep, { kind: 'step' }>): string | undefined {
		if (!node.approvals) return undefined;
		const given = node.approvals.filter((id) => this.run.state.step(id).status === 'succeeded');
		const holds = (id: string) => {
			const until = this.run.expressions.steps[id]?.outputs.validUntil;
			return typeof until !== 'string' || Date.parse(until) >= Date.now();
		};
		return given.length && !given.some(holds) ? given[0] : undefined;
	}
}
