import { redirect } from '@sveltejs/kit';
import { config } from '../../../../../shared/config.ts';
import { approvalLinkKey, verifyApprovalLink } from '../../../../../shared/approval-links.ts';
import { requireUser } from '$lib/server/guard.ts';
import type { PageServerLoad } from './$types';

let keys: Buffer[] | undefined;

/**
 * A signed link from an approval notification. Sign-in comes first (and returns here); a valid
 * link goes on to the step on the run's page, where the decision checks roles and four eyes as
 * ever. A bad or expired one gets one message that says nothing about the run or which check failed.
 */
export const load = (({ locals, url }) => {
	requireUser(locals, url);
	keys ??= config().TEND_SECRET_KEYS.map(approvalLinkKey);
	const link = verifyApprovalLink(keys, url.searchParams);
	if (!link) return { invalid: true as const };
	throw redirect(303, `/runs/${link.run}#step-${encodeURIComponent(link.step)}`);
}) satisfies PageServerLoad;
