import { condition, defineQuery, defineSignal, defineUpdate, proxyActivities, setHandler } from '@temporalio/workflow';
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

/** The baselines' messages, shared with the benchmarks that send them. */
export const baselineDecideUpdate = defineUpdate<'approve', ['approve']>('baselineDecide');
export const releaseSignal = defineSignal('release');
/** Answers once the workflow's first task has run, i.e. once it is waiting. */
export const parkedQuery = defineQuery<boolean>('parked');

/** An approval without the interpreter: an Update handler that settles a flag the workflow waits on. */
export async function baselineApproval(): Promise<void> {
	let decided = false;
	setHandler(parkedQuery, () => true);
	setHandler(baselineDecideUpdate, (decision) => ((decided = true), decision));
	await condition(() => decided);
}

/** What a parked run costs at the least: a workflow blocked on `condition()` until a signal. */
export async function baselineParked(): Promise<void> {
	let released = false;
	setHandler(parkedQuery, () => true);
	setHandler(releaseSignal, () => void (released = true));
	await condition(() => released);
}
