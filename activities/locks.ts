import type { WorkflowClient } from '@temporalio/client';
import type { Config } from '../shared/config.ts';
import type { targetLock } from '../workflows/target-lock.ts';
import { acquireLockSignal, lockStateQuery, targetLockWorkflowId } from '../workflows/definitions.ts';

export interface LockRequest {
	target: string;
	workflowId: string;
	runId: string;
}

/**
 * `concurrency: target`: asks the target's lock workflow for a turn (starting the lock if nobody
 * holds the target) and answers whom the run waits behind. Asking twice is harmless: the lock
 * keeps one place per run, so a retried activity does not queue the run twice.
 */
export function createLockActivities({ config, workflows }: { config: Config; workflows: WorkflowClient }) {
	return {
		async 'locks.acquire'({ target, workflowId, runId }: LockRequest): Promise<{ holder?: string; ahead: string[] }> {
			const lock = await workflows.signalWithStart<typeof targetLock, [{ workflowId: string; runId: string }]>('targetLock', {
				workflowId: targetLockWorkflowId(target),
				taskQueue: config.TEND_TASK_QUEUE,
				args: [{ queue: [] }],
				signal: acquireLockSignal,
				signalArgs: [{ workflowId, runId }]
			});
			const state = await lock.query(lockStateQuery);
			if (state.holder === runId) return { ahead: [] };
			const position = state.queue.indexOf(runId);
			return { ...(state.holder ? { holder: state.holder } : {}), ahead: position < 0 ? [] : state.queue.slice(0, position) };
		}
	};
}

export type LockActivities = ReturnType<typeof createLockActivities>;
