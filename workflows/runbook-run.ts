import {
	ActivityFailure,
	ApplicationFailure,
	CancellationScope,
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
import { NON_RETRYABLE_ERROR_TYPES, runStateQuery, type RunbookRunInput, type RunbookRunResult, type RunState } from './definitions.ts';

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

/**
 * Interprets one pinned runbook version: steps in order, each an activity with the step's retry
 * and timeout; `if` skips; on failure the step's (or runbook's) policy decides between stop,
 * continue and rollback, where rollback runs the completed steps' compensations in reverse.
 */
export async function runbookRun(input: RunbookRunInput): Promise<RunbookRunResult> {
	const { runId, document } = input;
	const state: RunState = { status: 'running', steps: document.spec.steps.map((s) => ({ id: s.id, uses: s.uses, status: 'pending' })) };
	setHandler(runStateQuery, () => state);

	const context: ExpressionContext = {
		inputs: input.inputs,
		steps: {},
		target: input.target ? { ...input.target } : {},
		run: { id: runId, runbook: input.runbook.name, version: input.runbook.version, initiator: input.initiator.username }
	};
	const stepContext = (stepId: string) => ({ runId, stepId, target: input.target?.name ?? '' });

	async function transition(stepId: string, status: StepStatus, change: Omit<StepChange, 'runId' | 'stepId' | 'status'> = {}) {
		const step = state.steps.find((s) => s.id === stepId)!;
		step.status = status;
		if (change.outputs) step.outputs = change.outputs;
		if (change.error) step.error = change.error;
		await ledger['ledger.stepChanged']({ runId, stepId, status, ...change });
	}

	async function finish(status: RunStatus, error?: string) {
		state.status = status;
		await ledger['ledger.runFinished']({ runId, status, error });
	}

	/** Undo completed steps, newest first; returns false if any compensation failed. */
	async function compensate(completed: RunbookStep[]): Promise<boolean> {
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

	await ledger['ledger.runStarted']({ runId });
	const completed: RunbookStep[] = [];
	for (const step of document.spec.steps) {
		try {
			if (step.if !== undefined && !isTruthy(evaluateString(step.if, context))) {
				await transition(step.id, 'skipped', { message: `skipped: ${step.if} is false` });
				continue;
			}
			await transition(step.id, 'running');
			const params = resolveExpressions(step.with, context);
			const outputs = await stepActivity(step.uses, stepActivityOptions(step))(stepContext(step.id), params);
			context.steps[step.id] = { outputs };
			completed.push(step);
			await transition(step.id, 'succeeded', { outputs });
		} catch (error) {
			if (isCancellation(error)) {
				// Cancelling a run compensates what it already did; that work must not itself be cancelled.
				await CancellationScope.nonCancellable(async () => {
					await transition(step.id, 'cancelled');
					await compensate(completed);
					await finish('cancelled', 'cancelled by request');
				});
				throw error;
			}
			const message = describeFailure(error);
			await transition(step.id, 'failed', { error: message });
			const policy = step.onFailure ?? document.spec.onFailure;
			if (policy === 'continue') continue;
			let status: RunStatus = 'failed';
			if (policy === 'rollback') status = (await compensate(completed)) ? 'rolled_back' : 'rollback_incomplete';
			await finish(status, `step ${step.id} failed: ${message}`);
			throw ApplicationFailure.create({ message: `step ${step.id} failed: ${message}`, type: 'StepFailed', nonRetryable: true, cause: error as Error });
		}
	}
	await finish('succeeded');
	return { status: 'succeeded', outputs: Object.fromEntries(Object.entries(context.steps).map(([id, s]) => [id, s.outputs])) };
}
