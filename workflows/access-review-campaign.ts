import { proxyActivities, sleep } from '@temporalio/workflow';
import type { AccessReviewActivities } from '../activities/access-reviews.ts';

export interface AccessReviewCampaignInput {
	campaignId: string;
	/** ISO instant: unreviewed items are suspended then. */
	deadline: string;
	graceHours: number;
}

export interface AccessReviewCampaignResult {
	items: number;
	suspended: number;
	revoked: number;
}

const acts = proxyActivities<AccessReviewActivities>({
	startToCloseTimeout: '2m',
	retry: { initialInterval: '5s', maximumInterval: '5m' }
});

/**
 * One access review campaign (DESIGN §5): collect the grants, wait for the deadline while
 * reviewers decide (their decisions go to Tend's database with the audit entry, not through this
 * workflow), suspend what nobody reviewed, wait out the grace period in which owners may appeal,
 * then revoke what is still suspended and close. A campaign with nothing to review ends at once.
 */
export async function accessReviewCampaign(input: AccessReviewCampaignInput): Promise<AccessReviewCampaignResult> {
	const { items } = await acts['reviews.collect'](input.campaignId);
	if (items === 0) return { items, suspended: 0, revoked: 0 };
	const untilDeadline = Date.parse(input.deadline) - Date.now();
	if (untilDeadline > 0) await sleep(untilDeadline);
	const { suspended } = await acts['reviews.suspendUnreviewed'](input.campaignId);
	if (suspended > 0) await sleep(input.graceHours * 3_600_000);
	const { revoked } = await acts['reviews.revokeSuspended'](input.campaignId);
	return { items, suspended, revoked };
}
