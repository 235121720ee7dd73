import { randomUUID } from 'node:crypto';
import { Worker } from '@temporalio/worker';
import { describe, it } from 'vitest';
import type { accessReviewCampaign, AccessReviewCampaignInput } from '../../workflows/access-review-campaign.ts';
import { recordHistory } from '../helpers/temporal-env.ts';
import { useRunbookRunEnvironment } from './harness.ts';

/**
 * A campaign waits days for its deadline and its grace period: time skipping jumps the timers.
 * The activities are stand-ins that record when (in workflow time) they were called.
 */
const { env, bundle } = useRunbookRunEnvironment({ timeSkipping: true });

const DAY = 86_400_000;

async function campaign(name: string, counts: { items: number; suspended: number }, deadlineInDays: number, graceHours: number) {
	const taskQueue = `test-${randomUUID()}`;
	const calls: Array<{ act: string; at: number }> = [];
	const started = Date.now();
	const now = () => env().currentTimeMs();
	const worker = await Worker.create({
		connection: env().nativeConnection,
		taskQueue,
		workflowBundle: bundle(),
		activities: {
			'reviews.collect': async () => (calls.push({ act: 'collect', at: await now() }), { items: counts.items, stale: 1 }),
			'reviews.suspendUnreviewed': async () => (calls.push({ act: 'suspend', at: await now() }), { suspended: counts.suspended }),
			'reviews.revokeSuspended': async () => (calls.push({ act: 'revoke', at: await now() }), { revoked: counts.suspended })
		}
	});
	const input: AccessReviewCampaignInput = { campaignId: randomUUID(), deadline: new Date(started + deadlineInDays * DAY).toISOString(), graceHours };
	const workflowId = `access-review-${input.campaignId}`;
	const result = await worker.runUntil(env().client.workflow.execute<typeof accessReviewCampaign>('accessReviewCampaign', { taskQueue, workflowId, args: [input] }));
	await recordHistory(env().client, workflowId, name);
	return { result, calls, deadline: Date.parse(input.deadline) };
}

describe('accessReviewCampaign', () => {
	it('suspends unreviewed items at the deadline and revokes them when the grace period ends', async ({ expect }) => {
		const { result, calls, deadline } = await campaign('access-review-campaign--suspends-at-the-deadline-revokes-after-grace', { items: 5, suspended: 2 }, 14, 72);
		expect(result).toEqual({ items: 5, suspended: 2, revoked: 2 });
		expect(calls.map((c) => c.act)).toEqual(['collect', 'suspend', 'revoke']);
		expect(calls[1].at).toBeGreaterThanOrEqual(deadline);
		expect(calls[2].at - calls[1].at).toBeGreaterThanOrEqual(72 * 3_600_000);
	});

	it('skips the grace period when everything was reviewed', async ({ expect }) => {
		const { result, calls } = await campaign('access-review-campaign--everything-reviewed-closes-at-the-deadline', { items: 3, suspended: 0 }, 7, 72);
		expect(result).toEqual({ items: 3, suspended: 0, revoked: 0 });
		expect(calls[2].at - calls[1].at).toBeLessThan(3_600_000);
	});

	it('ends at once when there is nothing to review', async ({ expect }) => {
		const { result, calls } = await campaign('access-review-campaign--an-empty-scope-is-skipped', { items: 0, suspended: 0 }, 7, 72);
		expect(result).toEqual({ items: 0, suspended: 0, revoked: 0 });
		expect(calls.map((c) => c.act)).toEqual(['collect']);
	});
});
