import { ApplicationFailure, executeChild, isCancellation, ParentClosePolicy } from '@temporalio/workflow';
import { resolveExpressions, type ExpressionContext } from '../../runbooks/expressions.ts';
import type { RunbookStep } from '../../runbooks/schema.ts';
import type { runbookRun } from '../runbook-run.ts';
import { describeFailure, invalid } from './failures.ts';
import { childRuns } from './local-activities.ts';
import type { RunContext } from './run-context.ts';

/** `runbook`: a child run with its own run record, pinned version and steps; this step takes its outcome. */
export async function runChild(run: RunContext, step: RunbookStep, callId: string, scope: ExpressionContext): Promise<Record<string, unknown>> {
	const w = resolveExpressions(step.with, scope) as { name?: unknown; version?: unknown; inputs?: unknown };
	if (typeof w.name !== 'string') throw invalid(`step ${step.id}: with.name must name a runbook`);
	run.state.running(step.id, 'step.child_started', { runbook: w.name, call: callId });
	const child = await childRuns['runs.prepareChild']({
		parent: { runId: run.input.runId, stepId: callId },
		runbook: w.name,
		...(typeof w.version === 'number' ? { version: w.version } : {}),
		inputs: (w.inputs ?? {}) as Record<string, unknown>,
		initiator: run.input.initiator
	});
	try {
		const result = await executeChild<typeof runbookRun>('runbookRun', { workflowId: child.workflowId, args: [child.input], parentClosePolicy: ParentClosePolicy.REQUEST_CANCEL });
		return { runId: child.input.runId, status: result.status, outputs: result.outputs };
	} catch (error) {
		if (isCancellation(error)) throw error;
		throw ApplicationFailure.create({ type: 'ChildRunFailed', nonRetryable: true, message: `child run of "${w.name}" (${child.input.runId}) ended: ${describeFailure(error)}` });
	}
}
