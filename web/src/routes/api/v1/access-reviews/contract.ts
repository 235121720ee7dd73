import { z } from 'zod';
import { operation } from '$lib/server/contract/operation.ts';
import { newCampaignSchema } from '$lib/server/access-reviews.ts';

const isoTime = z.string().meta({ format: 'date-time' });
export const campaignSchema = z
	.looseObject({
		id: z.string(),
		name: z.string(),
		status: z.enum(['collecting', 'open', 'grace', 'closed']),
		deadline: isoTime,
		graceEndsAt: isoTime,
		graceHours: z.int(),
		staleDays: z.int(),
		createdBy: z.string(),
		createdAt: isoTime,
		closedAt: isoTime.nullable()
	})
	.meta({ id: 'AccessReviewCampaign' });

export const GET = operation({
	summary: 'Access review campaigns, newest first, with their counts of items, undecided and stale (admin)',
	access: ['admin'],
	responses: { 200: { description: 'Campaigns', schema: z.looseObject({ campaigns: z.array(campaignSchema.extend({ items: z.int(), pending: z.int(), stale: z.int() })) }) } }
});

export const POST = operation({
	summary: 'Start an access review campaign over Tend’s users and roles (admin)',
	description:
		'Every enabled user’s every role becomes an item; accounts without a sign-in for `staleDays` are flagged. Reviewers (admins) certify or revoke each by `deadline`; unreviewed items are then suspended (the role taken away), and revoked `graceHours` later unless their owner appeals. A campaign is a Temporal workflow, `access-review-<id>`.',
	access: ['admin'],
	temporal: true,
	body: { json: newCampaignSchema },
	checkedBeyondSchema: '`deadline` must be between an hour and a year from now.',
	responses: { 201: { description: 'Started', schema: z.looseObject({ id: z.string() }), headers: { Location: 'The campaign’s URL' } } }
});
