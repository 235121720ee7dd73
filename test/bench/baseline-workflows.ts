import { proxyActivities } from '@temporalio/workflow';
import { NON_RETRYABLE_ERROR_TYPES } from '../../workflows/definitions.ts';

type StepActivity = (context: { runId: string; stepId: string; target: string }, params: unknown) => Promise<Record<string, unknown>>;

/**
 * The options runbookRun derives for a step with no `retry`, `timeout` or heartbeat, so the
 * baseline schedules exactly what the interpreter schedules for its steps and nothing more.
 */
const { notify } = proxyActivities<Record<string, StepActivity>>({
	startToCloseTimeout: '1h',
	retry: { maximumAttempts: 3, initialInterval: '5s', backoffCoefficient: 2, nonRetryableErrorTypes: NON_RETRYABLE_ERROR_TYPES }
});

/** What a runbook of `steps` notify steps costs without the interpreter: the same activities, in sequence, and no ledger. */
export async function baselineSequence(runId: string, steps: number): Promise<Record<string, Record<string, unknown>>> {
	const outputs: Record<string, Record<string, unknown>> = {};
	for (let i = 0; i < steps; i++) {
		const stepId = `s${i}`;
		outputs[stepId] = await notify({ runId, stepId, target: '' }, {});
	}
	return outputs;
}
