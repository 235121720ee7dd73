import { condition, continueAsNew, getExternalWorkflowHandle, setHandler } from '@temporalio/workflow';
import { acquireLockSignal, lockGrantedSignal, lockStateQuery, releaseLockSignal } from './definitions.ts';

interface Waiter {
	workflowId: string;
	runId: string;
}

export interface TargetLockState {
	holder?: Waiter;
	queue: Waiter[];
}

/** How often the lock makes sure its holder still exists: a run terminated by hand never releases. */
const HOLDER_CHECK = '5 minutes';
/** Keeps the history short on a busy target. */
const EVENTS_BEFORE_CONTINUE = 500;

/**
 * One per target (`lock-target-<name>`): hands the target to runs with `concurrency: target` one
 * at a time, in the order they asked. Runs ask with `acquire` (sent by the `locks.acquire`
 * activity with signal-with-start) and give it back with `release`; the lock tells each its turn
 * with `lockGranted`. It ends when nobody holds or waits for the target, and the next `acquire`
 * starts it again.
 */
export async function targetLock(carried: TargetLockState = { queue: [] }): Promise<void> {
	let holder = carried.holder;
	const queue = [...carried.queue];
	let events = 0;

	setHandler(acquireLockSignal, (waiter) => {
		events++;
		if (holder?.workflowId === waiter.workflowId || queue.some((q) => q.workflowId === waiter.workflowId)) return;
		queue.push(waiter);
	});
	setHandler(releaseLockSignal, ({ workflowId }) => {
		events++;
		if (holder?.workflowId === workflowId) holder = undefined;
		else queue.splice(0, queue.length, ...queue.filter((q) => q.workflowId !== workflowId));
	});
	setHandler(lockStateQuery, () => ({ holder: holder?.runId, queue: queue.map((q) => q.runId) }));

	/** Tells the holder it has the target; false if that run no longer exists. */
	async function tell(waiter: Waiter): Promise<boolean> {
		try {
			await getExternalWorkflowHandle(waiter.workflowId).signal(lockGrantedSignal);
			return true;
		} catch {
			return false;
		}
	}

	for (;;) {
		if (!holder && queue.length) {
			const next = queue.shift()!;
			holder = next;
			if (!(await tell(next)) && holder === next) holder = undefined;
			continue;
		}
		if (!holder && !queue.length) return;
		if (events >= EVENTS_BEFORE_CONTINUE) await continueAsNew<typeof targetLock>({ holder, queue });
		const changed = await condition(() => !holder || events >= EVENTS_BEFORE_CONTINUE, HOLDER_CHECK);
		// A repeated grant is harmless to a live run; a failed one means the holder is gone.
		if (!changed && holder && !(await tell(holder))) holder = undefined;
	}
}
