import { Context } from '@temporalio/activity';
import { createAccessReviewActivities } from './access-reviews.ts';
import { createAuditCheckActivities } from './audit-check.ts';
import { createChildRunActivities } from './child-runs.ts';
import { createDrillActivities } from './drills.ts';
import { readableDatabaseError, tendUnavailable } from './failures.ts';
import { createFeedbackActivities } from './feedback.ts';
import { createLockActivities } from './locks.ts';
import { createLedgerActivities } from './run-ledger.ts';
import { createLegacyLedgerActivities, recordAttempt, recordSuccess } from './run-ledger-v1.ts';
import { createScheduledRunActivities, type ScheduledRunDeps } from './scheduled-runs.ts';
import type { StepContext } from './step-context.ts';
import { createStepActivities } from './steps.ts';
import { createTrainingActivities } from './training.ts';
import { createWindowActivities } from './windows.ts';

type StepFn = (ctx: StepContext, params: unknown) => Promise<Record<string, unknown>>;

/**
 * Every activity the worker registers. Engine v2 keeps a step's record itself and tells each call
 * its attempt; a failure of Tend's own database inside a step is reported as TendUnavailable, which
 * the workflow retries without spending the step's attempts. Engine v1 runs (no `attempt`) still
 * get the wrapper they were written for: each attempt recorded before it starts, a whole step's
 * success with its outputs when it returns.
 */
export function createActivities(deps: ScheduledRunDeps) {
	const steps = createStepActivities(deps) as Record<string, StepFn>;
	const wrapped = Object.fromEntries(
		Object.entries(steps).map(([uses, run]) => [
			uses,
			async (ctx: StepContext, params: unknown) => {
				if (ctx.attempt !== undefined) {
					try {
						return await run(ctx, params);
					} catch (error) {
						throw tendUnavailable(error) ?? readableDatabaseError(error);
					}
				}
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
	return {
		...createLegacyLedgerActivities(deps),
		...createLedgerActivities(deps),
		...createLockActivities(deps),
		...createChildRunActivities(deps),
		...createScheduledRunActivities(deps),
		...createWindowActivities(deps),
		...createFeedbackActivities(deps),
		...createDrillActivities(deps),
		...createTrainingActivities(deps),
		...createAuditCheckActivities(deps),
		...createAccessReviewActivities(deps),
		...wrapped
	};
}
