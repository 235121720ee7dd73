import { CancelledFailure, Context } from '@temporalio/activity';
import { dedupeParams } from './dedupe/params.ts';
import type { DedupeOutputs } from './dedupe/outputs.ts';
import { runDedupe } from './dedupe/run.ts';
import { parseStepParams } from './failures.ts';
import type { ActivityDeps, StepContext } from './step-context.ts';
import { targetDatabaseUrl } from './targets.ts';

const HEARTBEAT_MS = 2000;

/**
 * `data.dedupe` (DESIGN §4): duplicate customers found (dry-run), merged (merge) or put back
 * (unmerge) in a database of the run's target. Retries are safe: a merge keeps its plan and
 * progress in the target under run + step, and an unmerge works through what is still archived.
 */
export async function dataDedupe(deps: ActivityDeps, ctx: StepContext, raw: unknown): Promise<DedupeOutputs> {
	const params = parseStepParams('data.dedupe', dedupeParams, raw);
	const url = await targetDatabaseUrl(deps, ctx.target, params.database, 'data.dedupe');
	const activity = Context.current();
	let progress: Record<string, unknown> = { phase: 'starting' };
	const heartbeat = setInterval(() => activity.heartbeat(progress), HEARTBEAT_MS);
	try {
		return await runDedupe(url, ctx, params, {
			progress: (state) => {
				progress = state;
				activity.heartbeat(state);
			},
			checkCancelled: () => {
				const signal = activity.cancellationSignal;
				if (signal.aborted) throw signal.reason instanceof CancelledFailure ? signal.reason : new CancelledFailure('data.dedupe cancelled');
			}
		});
	} finally {
		clearInterval(heartbeat);
	}
}
