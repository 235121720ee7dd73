import { collectReviewItems, revokeSuspended, suspendUnreviewed } from '../shared/access-reviews.ts';
import type { ActivityDeps } from './step-context.ts';

/** The campaign workflow's acts on Tend's database; each is conditional on state, so a retry changes nothing twice. */
export function createAccessReviewActivities(deps: ActivityDeps) {
	return {
		'reviews.collect': (campaignId: string) => collectReviewItems(deps.db, campaignId),
		'reviews.suspendUnreviewed': (campaignId: string) => suspendUnreviewed(deps.db, campaignId),
		'reviews.revokeSuspended': (campaignId: string) => revokeSuspended(deps.db, campaignId)
	};
}

export type AccessReviewActivities = ReturnType<typeof createAccessReviewActivities>;
