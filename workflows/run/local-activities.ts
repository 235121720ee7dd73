import { proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { ChildRunActivities } from '../../activities/child-runs.ts';
import type { LedgerActivities } from '../../activities/run-ledger.ts';
import type { LockActivities } from '../../activities/locks.ts';
import { NON_RETRYABLE_ERROR_TYPES, type WindowCheck } from '../definitions.ts';

/**
 * The interpreter's own calls (not steps'): short reads and writes of Tend's database as local
 * activities — no server round trip each — retried for as long as an outage lasts.
 */
export const windows = proxyLocalActivities<{ 'windows.check': (args: { window?: string; target?: string; at: string }) => Promise<WindowCheck> }>({
	startToCloseTimeout: '30s',
	retry: { initialInterval: '1s', maximumInterval: '30s', nonRetryableErrorTypes: ['WindowNotFound'] }
});

/** A person's act, once its proof checks out; a forged one is refused for good. */
export const acts = proxyLocalActivities<Pick<LedgerActivities, 'ledger.recordAct'>>({
	startToCloseTimeout: '30s',
	retry: { initialInterval: '1s', maximumInterval: '30s', nonRetryableErrorTypes: ['ForgedAct'] }
});

/** Talking to Temporal itself (the target's lock) or writing a child run: ordinary activities. */
export const locks = proxyActivities<LockActivities>({ startToCloseTimeout: '1m', retry: { initialInterval: '1s', maximumInterval: '30s' } });
export const childRuns = proxyActivities<ChildRunActivities>({ startToCloseTimeout: '1m', retry: { initialInterval: '1s', maximumInterval: '30s', nonRetryableErrorTypes: NON_RETRYABLE_ERROR_TYPES } });
