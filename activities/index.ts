import { Context } from '@temporalio/activity';
import { createLedgerActivities, recordAttempt } from './run-ledger.ts';
import type { ActivityDeps, StepContext } from './step-context.ts';
import { createStepActivities } from './steps.ts';

type StepFn = (ctx: StepContext, params: unknown) => Promise<Record<string, unknown>>;

/**
 * Every activity the worker registers. Step activities are wrapped so that each attempt is
 * recorded before it starts: the run page shows attempts and `retrying` from real retries.
 */
export function createActivities(deps: ActivityDeps) {
	const steps = createStepActivities(deps) as Record<string, StepFn>;
	const wrapped = Object.fromEntries(
		Object.entries(steps).map(([uses, run]) => [
			uses,
			async (ctx: StepContext, params: unknown) => {
				await recordAttempt(deps.db, ctx.runId, ctx.stepId, Context.current().info.attempt);
				return run(ctx, params);
			}
		])
	);
	return { ...createLedgerActivities(deps), ...wrapped };
}
