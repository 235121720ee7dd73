import { ActivityCancellationType, isCancellation, patched, proxyActivities, proxyLocalActivities, sleep, type ActivityOptions, type LocalActivityOptions } from '@temporalio/workflow';
import { parseDuration } from '../../runbooks/duration.ts';
import { retriesFailure, retryDelayMs, retryPolicy, runsLocally } from '../../runbooks/run-model.ts';
import type { RetryView } from '../../runbooks/run-projection.ts';
import type { RunbookStep } from '../../runbooks/schema.ts';
import { STEP_FACTS_BY_USES } from '../../runbooks/step-facts.ts';
import { TEND_UNAVAILABLE } from '../definitions.ts';
import { describeFailure, failureType, isPermanent } from './failures.ts';
import type { RunContext } from './run-context.ts';

/** What a step activity is told about where it runs (activities/step-context.ts). */
export interface StepCallContext {
	runId: string;
	/** The step, a forEach item (`step[2]`) or a compensation (`step.rollback`): idempotency keys derive from it. */
	stepId: string;
	target: string;
	/** Which attempt of the step's own this is (1-based); its presence also tells the activity that the workflow keeps the record. */
	attempt: number;
}

type StepActivity = (context: StepCallContext, params: unknown) => Promise<Record<string, unknown>>;

/** How one call reports its attempts: on the step's row for a whole step, as timeline notes for items and compensations. */
export interface AttemptReport {
	started(attempt: number): void;
	retrying(retry: RetryView, attempt: number): void;
}

/**
 * Each attempt is one activity execution with no retries of Temporal's own: the workflow keeps
 * the count, so the step's retries spend only the step's own failures. A failure of Tend's own
 * database while the step reads its target is retried with backoff without spending an attempt.
 * The workflow waits for a cancelled attempt to stop before it moves on (compensation must not
 * overlap the work it undoes).
 */
function activityOptions(step: RunbookStep, uses: string): ActivityOptions {
	const heartbeatTimeout = STEP_FACTS_BY_USES.get(uses)?.heartbeatTimeout;
	return {
		startToCloseTimeout: parseDuration(step.timeout ?? '1h'),
		...(heartbeatTimeout ? { heartbeatTimeout } : {}),
		retry: { maximumAttempts: 1 },
		cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED
	};
}

/** Short steps on the run's own worker (runbooks/run-model.ts runsLocally); their attempts are counted the same way. */
function localActivityOptions(step: RunbookStep): LocalActivityOptions {
	return {
		startToCloseTimeout: parseDuration(step.timeout ?? '10m'),
		retry: { maximumAttempts: 1 },
		cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED
	};
}

/** Runs released before short steps went local keep ordinary activities for every step. */
export const SHORT_STEPS_LOCAL = 'short-steps-local';

const INFRASTRUCTURE_BACKOFF = { initialMs: 1000, maxMs: 30_000 };

export async function callStepActivity(run: RunContext, step: RunbookStep, uses: string, callId: string, params: unknown, report: AttemptReport): Promise<Record<string, unknown>> {
	const policy = retryPolicy(step);
	// A local step waits its turn behind the run's other local activities (its ledger writes): one at a time keeps replay deterministic.
	const activity: StepActivity =
		runsLocally(step, uses) && patched(SHORT_STEPS_LOCAL)
			? (context, params) => run.state.local(() => proxyLocalActivities<Record<string, StepActivity>>(localActivityOptions(step))[uses](context, params))
			: proxyActivities<Record<string, StepActivity>>(activityOptions(step, uses))[uses];
	let attempt = 1;
	let outages = 0;
	for (;;) {
		report.started(attempt);
		try {
			return await activity({ runId: run.input.runId, stepId: callId, target: run.targetName, attempt }, params);
		} catch (error) {
			if (isCancellation(error)) throw error;
			const type = failureType(error);
			if (type === TEND_UNAVAILABLE) {
				const delay = Math.min(INFRASTRUCTURE_BACKOFF.maxMs, INFRASTRUCTURE_BACKOFF.initialMs * 2 ** outages++);
				report.retrying({ nextAttemptAt: new Date(Date.now() + delay).toISOString(), lastError: describeFailure(error), infrastructure: true }, attempt);
				await sleep(delay);
				continue;
			}
			outages = 0;
			if (isPermanent(error) || !retriesFailure(step, type) || attempt >= policy.maxAttempts) throw error;
			const delay = Math.max(1, retryDelayMs(policy, attempt + 1));
			report.retrying({ nextAttemptAt: new Date(Date.now() + delay).toISOString(), lastError: describeFailure(error) }, attempt);
			await sleep(delay);
			attempt++;
		}
	}
}

/** A whole step's attempts, on its own row. */
export const stepAttempts = (run: RunContext, stepId: string): AttemptReport => ({
	started: (attempt) => run.state.attemptStarted(stepId, attempt),
	retrying: (retry, attempt) => run.state.retrying(stepId, retry, attempt)
});

/** A forEach item's or a compensation's attempts: the first says nothing, later ones a line on the step's timeline. */
export const noteAttempts = (run: RunContext, stepId: string, callId: string): AttemptReport => ({
	started: (attempt) => {
		if (attempt > 1) run.state.note(stepId, 'step.running', { call: callId, attempt });
	},
	retrying: (retry, attempt) => run.state.note(stepId, retry.infrastructure ? 'step.tend_unavailable' : 'step.retrying', { call: callId, attempt, ...retry })
});
