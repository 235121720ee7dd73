import { Context } from '@temporalio/activity';
import { createChildRunActivities } from './child-runs.ts';
import { readableDatabaseError } from './failures.ts';
import { createLockActivities } from './locks.ts';
import { createLedgerActivities, recordAttempt, recordSuccess } from './run-ledger.ts';
import { createScheduledRunActivities, type ScheduledRunDeps } from './scheduled-runs.ts';
import type { StepContext } from './step-context.ts';
import { createStepActivities } from './steps.ts';
import { createWindowActivities } from './windows.ts';

type StepFn = (ctx: StepContext, params: unknown) => Promise<Record<string, unknown>>;

/**
 * Every activity the worker registers. Step activities are wrapped so that each attempt is
 * recorded before it starts (the run page shows attempts and `retrying` from real retries) and,
 * for a whole step, its success with its outputs when it returns.
 */
export function createActivities(deps: ScheduledRunDeps) {
	const steps = createStepActivities(deps) as Record<string, StepFn>;
	const wrapped = Object.fromEntries(
		Object.entries(steps).map(([uses, run]) => [
			uses,
			async (ctx: StepContext, params: unknown) => {
				try {
					await recordAttempt(deps.db, ctx.runId, ctx.stepId, Context.current().info.attempt);
					const outputs = await run(ctx, params);
					if (ctx.record) await recordSuccess(deps.db, ctx.runId, ctx.stepId, outputs);
					return outputs;
				} catch (error) {
					throw readableDatabaseError(error);
				}
			}
		])
	);
	return { ...createLedgerActivities(deps), ...createLockActivities(deps), ...createChildRunActivities(deps), ...createScheduledRunActivities(deps), ...createWindowActivities(deps), ...wrapped };
}
