import { ApplicationFailure, condition, setHandler } from '@temporalio/workflow';
import { parseDuration } from '../../runbooks/duration.ts';
import { resolveExpressions, type ExpressionContext } from '../../runbooks/expressions.ts';
import { DEFAULT_ASSIGNEES } from '../../runbooks/run-model.ts';
import type { ChecklistView, Principal } from '../../runbooks/run-projection.ts';
import type { RunbookStep } from '../../runbooks/schema.ts';
import { checklistAct } from '../acts.ts';
import type { Refusal } from '../approvals.ts';
import { checklistRefusal } from '../controls.ts';
import { checklistUpdate, type ChecklistRequest } from '../definitions.ts';
import { formatMs, invalid } from './failures.ts';
import { recordAct } from './record-act.ts';
import { RunStopped, type RunContext } from './run-context.ts';
import { actorRefusal, refuse, waitingRefusal } from './refusals.ts';

interface OpenChecklist {
	view: ChecklistView;
	/** By actor id: ticks being written to the audit log. */
	inFlight: Set<string>;
	/** False for the undo checklist after a failed rollback, which is opened after the run has stopped. */
	stoppable: boolean;
}

/** `manual` steps: a checklist that assignees tick off; it succeeds when every item is done and fails at its timeout. */
export class ChecklistSteps {
	private readonly open = new Map<string, OpenChecklist>();

	constructor(private readonly run: RunContext) {
		setHandler(checklistUpdate, (request) => this.tick(request), { validator: (request) => refuse(this.refusal(request)) });
	}

	private refusal(request: ChecklistRequest): Refusal | undefined {
		const { stepId, notes, actor } = (request ?? {}) as Partial<ChecklistRequest>;
		if (typeof stepId !== 'string' || (notes !== undefined && typeof notes !== 'string')) return { type: 'InvalidDecision', message: 'a checklist update needs stepId, items and optional notes' };
		const list = this.open.get(stepId);
		const refused = actorRefusal(actor) ?? waitingRefusal(this.run, stepId, list, (l) => l.view.items.some((i) => !i.done) && (!l.stoppable || !this.run.control.stopped));
		if (refused) return refused;
		if (list!.inFlight.has(actor!.id)) return { type: 'AlreadyDecided', message: `${actor!.username} is already ticking items of step "${stepId}"` };
		return checklistRefusal(list!.view, request.items, actor!);
	}

	private async tick(request: ChecklistRequest): Promise<ChecklistView> {
		refuse(this.refusal(request));
		const { stepId, items, notes, actor } = request;
		const list = this.open.get(stepId)!;
		const texts = items.filter((i) => !list.view.items[i].done).map((i) => list.view.items[i].text);
		list.inFlight.add(actor.id);
		try {
			await recordAct(this.run.state, 
				checklistAct(this.run.input.runId, request),
				request,
				{ stepId, kind: 'checklist.ticked', details: { actor: actor.username, items: texts, ...(notes ? { notes } : {}) } },
				{ action: 'run.step.check', details: { stepId, items: texts, ...(notes ? { comment: notes } : {}) } }
			);
			const at = new Date().toISOString();
			for (const i of items) if (!list.view.items[i].done) list.view.items[i] = { ...list.view.items[i], done: true, by: actor.username, at };
			if (notes) list.view.notes.push(`${actor.username}: ${notes}`);
			this.run.state.checklistChanged(stepId);
		} finally {
			list.inFlight.delete(actor.id);
		}
		return list.view;
	}

	async await(step: RunbookStep, scope: ExpressionContext, stoppable = true): Promise<Record<string, unknown>> {
		const { state, control } = this.run;
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
		state.checklistOpened(step.id, view);
		await state.persisted();
		const list: OpenChecklist = { view, inFlight: new Set(), stoppable };
		this.open.set(step.id, list);
		const done = () => view.items.every((i) => i.done) && list.inFlight.size === 0;
		const settled = () => done() || (stoppable && control.stopped);
		const finished = timeoutMs === undefined ? (await condition(settled), true) : await condition(settled, Math.max(1, since + timeoutMs - Date.now()));
		this.open.delete(step.id);
		if (!done() && stoppable && control.stopped) throw new RunStopped();
		if (!finished && !done()) throw ApplicationFailure.create({ type: 'ChecklistTimedOut', nonRetryable: true, message: `timed out: ${view.items.filter((i) => i.done).length} of ${view.items.length} items done within ${formatMs(timeoutMs!)}` });
		return { completedBy: [...new Set(view.items.map((i) => i.by))], notes: view.notes.join('\n') };
	}
}
