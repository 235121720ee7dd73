import { CancellationScope, condition, getExternalWorkflowHandle, setHandler, workflowInfo } from '@temporalio/workflow';
import { lockGrantedSignal, releaseLockSignal, targetLockWorkflowId } from '../definitions.ts';
import { locks } from './local-activities.ts';
import type { RunContext } from './run-context.ts';

/** `concurrency: target`: one run per target at a time, the others visibly queued in arrival order. */
export class TargetTurn {
	private granted = false;

	constructor(
		private readonly run: RunContext,
		private readonly target: string | undefined
	) {
		setHandler(lockGrantedSignal, () => void (this.granted = true));
	}

	/** Waits until the target's lock hands this run its turn. */
	async take(): Promise<void> {
		if (!this.target) return;
		const { holder, ahead } = await locks['locks.acquire']({ target: this.target, workflowId: workflowInfo().workflowId, runId: this.run.input.runId });
		if (!this.granted && (holder || ahead.length)) this.run.state.queued({ target: this.target, behind: [...(holder ? [holder] : []), ...ahead] });
		await condition(() => this.granted);
	}

	async release(): Promise<void> {
		if (!this.target) return;
		const lock = targetLockWorkflowId(this.target);
		await CancellationScope.nonCancellable(async () => {
			try {
				await getExternalWorkflowHandle(lock).signal(releaseLockSignal, { workflowId: workflowInfo().workflowId });
			} catch {
				// The lock has ended already (it ends when nobody holds or waits): there is nothing to give back.
			}
		});
	}
}
