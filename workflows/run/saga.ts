import { isCancellation } from '@temporalio/workflow';
import { resolveExpressions } from '../../runbooks/expressions.ts';
import { compensationId, DEFAULT_ASSIGNEES, UNDO_CHECKLIST_STEP } from '../../runbooks/run-model.ts';
import type { RunbookStep } from '../../runbooks/schema.ts';
import { callStepActivity, noteAttempts } from './activity-steps.ts';
import type { ChecklistSteps } from './checklist-steps.ts';
import { describeFailure, isStepFailure } from './failures.ts';
import type { RunContext } from './run-context.ts';

export interface Undone {
	step: RunbookStep;
	error: string;
}

/**
 * Rollback (DESIGN §3): each completed step with a `rollback` is undone, newest first, each
 * recorded; compensations run without a new approval. Returns what could not be undone.
 */
export async function compensate(run: RunContext, completed: readonly RunbookStep[]): Promise<Undone[]> {
	const left: Undone[] = [];
	for (const step of [...completed].reverse()) {
		if (!step.rollback) continue;
		try {
			const params = resolveExpressions(step.rollback.with, run.expressions);
			const callId = compensationId(step.id);
			await callStepActivity(run, step, step.rollback.uses, callId, params, noteAttempts(run, step.id, callId));
			run.state.compensated(step.id, step.rollback.uses);
		} catch (error) {
			if (isCancellation(error) || !isStepFailure(error)) throw error;
			left.push({ step, error: describeFailure(error) });
			run.state.rollbackFailed(step.id, describeFailure(error));
		}
	}
	return left;
}

/** After a failed compensation the run has ended, and a person is shown what is left to undo, as a checklist (its row added with the run's end). */
export async function undoByHand(run: RunContext, checklists: ChecklistSteps, left: readonly Undone[]): Promise<void> {
	const manual = {
		id: UNDO_CHECKLIST_STEP,
		uses: 'manual',
		with: {
			checklist: left.map(({ step, error }) => `Undo step "${step.id}" by hand (its rollback ${step.rollback!.uses} failed: ${error})`),
			instructions: 'These completed steps could not be compensated automatically. Undo each one, then tick it off.',
			assignees: [...DEFAULT_ASSIGNEES]
		}
	} as RunbookStep;
	const outputs = await checklists.await(manual, run.expressions, false);
	run.state.succeeded(UNDO_CHECKLIST_STEP, outputs, { reason: 'undone_by_hand' });
}
