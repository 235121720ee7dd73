import { randomUUID } from 'node:crypto';
import { Worker } from '@temporalio/worker';
import { describe, it } from 'vitest';
import type { FeedbackState } from '../../workflows/feedback-definitions.ts';
import { feedbackChangedSignal, feedbackWorkflowId } from '../../workflows/feedback-definitions.ts';
import type { feedbackItem } from '../../workflows/feedback-item.ts';
import type { FeedbackPriority, FeedbackStatus } from '../../shared/feedback-model.ts';
import { recordHistory } from '../helpers/temporal-env.ts';
import { useRunbookRunEnvironment } from './harness.ts';

/**
 * A feedback item's triage clock on durable timers, skipped rather than waited out: reminders at
 * half the priority's SLA, escalation at all of it, silence once triaged, one closure notice.
 * The row is stood in for by `row`, which the activities read as the real ones read the table.
 */
const { env, bundle } = useRunbookRunEnvironment({ timeSkipping: true });

function item(priority: FeedbackPriority) {
	const row: FeedbackState = { status: 'new', priority };
	const calls: Array<{ what: string; at: number }> = [];
	const startedAt = { ms: 0 };
	const activities = {
		'feedback.state': async () => ({ ...row }),
		'feedback.triageNotice': async ({ kind }: { kind: string }) => {
			if (row.status === 'new') calls.push({ what: kind, at: Date.now() });
			return { ...row };
		},
		'feedback.closedNotice': async () => {
			calls.push({ what: 'closed', at: Date.now() });
			return { told: 1 };
		}
	};
	return { row, calls, startedAt, activities };
}

async function drive(testName: string, priority: FeedbackPriority, script: (ctx: { change: (to: Partial<FeedbackState>) => Promise<void>; sleep: (ms: string) => Promise<void>; calls: () => string[] }) => Promise<void>) {
	const taskQueue = `test-${randomUUID()}`;
	const fb = item(priority);
	const worker = await Worker.create({ connection: env().nativeConnection, taskQueue, workflowBundle: bundle(), activities: fb.activities });
	const workflowId = feedbackWorkflowId(randomUUID());
	const result = await worker.runUntil(async () => {
		const handle = await env().client.workflow.start<typeof feedbackItem>('feedbackItem', { taskQueue, workflowId, args: [{ itemId: workflowId, status: 'new', priority }] });
		await script({
			change: async (to) => {
				Object.assign(fb.row, to);
				await handle.signal(feedbackChangedSignal, { ...fb.row });
			},
			sleep: (duration) => env().sleep(duration),
			calls: () => fb.calls.map((c) => c.what)
		});
		return handle.result();
	});
	await recordHistory(env().client, workflowId, `feedback-item--${testName}`);
	return { result, calls: fb.calls.map((c) => c.what) };
}

const closed = (status: FeedbackStatus) => ({ status });

describe('feedbackItem', () => {
	it('reminds the triagers at half the SLA, escalates at its end, and tells the submitter once on closing', async ({ expect }) => {
		const { result, calls } = await drive('reminds-escalates-and-tells-once', 'urgent', async ({ change, sleep, calls }) => {
			await sleep('1h');
			expect(calls()).toEqual([]);
			await sleep('65m');
			expect(calls()).toEqual(['reminder']);
			await sleep('2h');
			expect(calls()).toEqual(['reminder', 'escalation']);
			await sleep('30h');
			expect(calls()).toEqual(['reminder', 'escalation']);
			await change(closed('done'));
		});
		expect(calls).toEqual(['reminder', 'escalation', 'closed']);
		expect(result.status).toBe('done');
	});

	// A busy machine slows the time-skipping server's hand-overs; nothing here waits on the wall clock.
	it('sends no reminder once the item is triaged, and tells nobody until it closes', { timeout: 180_000 }, async ({ expect }) => {
		const { calls } = await drive('silent-once-triaged', 'high', async ({ change, sleep, calls }) => {
			await sleep('2h');
			await change({ status: 'triaged' });
			await sleep('30h');
			expect(calls()).toEqual([]);
			await change(closed('declined'));
		});
		expect(calls).toEqual(['closed']);
	});

	it('brings the reminder nearer when the priority is raised, counting from submission', async ({ expect }) => {
		const { calls } = await drive('priority-raised', 'low', async ({ change, sleep, calls }) => {
			await sleep('1h');
			await change({ priority: 'urgent' });
			await sleep('65m');
			expect(calls()).toEqual(['reminder']);
			await change({ status: 'triaged' });
			await sleep('5h');
			expect(calls()).toEqual(['reminder']);
			await change(closed('done'));
		});
		expect(calls).toEqual(['reminder', 'closed']);
	});
});
