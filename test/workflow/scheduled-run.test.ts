import { randomUUID } from 'node:crypto';
import { Worker } from '@temporalio/worker';
import { describe, it } from 'vitest';
import type { ScheduledRunInput, scheduledRun } from '../../workflows/scheduled-run.ts';
import { recordHistory } from '../helpers/temporal-env.ts';
import { useRunbookRunEnvironment } from './harness.ts';

/** A schedule's firing: one activity that starts the run, retried through a passing outage. */
// Time skipping: the retry's one-second backoff is a durable timer, skipped rather than waited out.
const { env, bundle } = useRunbookRunEnvironment({ timeSkipping: true });

describe('scheduledRun', () => {
	it('starts the run through its activity, retrying a transient failure, and answers the run id', async ({ expect }) => {
		const taskQueue = `test-${randomUUID()}`;
		const seen: ScheduledRunInput[] = [];
		let attempts = 0;
		const worker = await Worker.create({
			connection: env().nativeConnection,
			taskQueue,
			workflowBundle: bundle(),
			activities: {
				'runs.startScheduled': async (input: ScheduledRunInput) => {
					seen.push(input);
					if (++attempts === 1) throw new Error('database restarting');
					return { id: 'run-42', created: true };
				}
			}
		});
		const input: ScheduledRunInput = { scheduleId: 'sched-nightly-abc', runbook: 'crm-nightly-backup', inputs: {}, initiator: { id: 'u-alice', username: 'alice' } };
		const workflowId = `sched-firing-${randomUUID()}`;
		const result = await worker.runUntil(env().client.workflow.execute<typeof scheduledRun>('scheduledRun', { taskQueue, workflowId, args: [input] }));
		expect(result).toEqual({ runId: 'run-42' });
		expect(seen).toHaveLength(2);
		await recordHistory(env().client, workflowId, 'scheduled-run--starts-the-run-retrying-a-transient-failure');
	});
});
