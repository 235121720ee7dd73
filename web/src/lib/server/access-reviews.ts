import { asc, desc, eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import { accessReviewCampaigns, accessReviewItems, type AccessReviewItem } from '$db/schema/index.ts';
import { appendAudit } from '$shared/audit.ts';
import { config } from '$shared/config.ts';
import { itemsVisibleTo, reviewWorkflowId } from '$shared/access-reviews.ts';
import type { accessReviewCampaign } from '$workflows/access-review-campaign.ts';
import type { SessionUser } from './auth.ts';
import { getDb } from './db.ts';
import { temporalClient } from './temporal.ts';

export const newCampaignSchema = z.strictObject({
	name: z.string().trim().min(1, 'is required').max(200),
	deadline: z.iso.datetime({ offset: true, error: 'must be a date-time with its offset, such as 2026-05-01T17:00:00Z' }),
	graceHours: z.int().min(0).max(24 * 90).default(72),
	staleDays: z.int().min(1).max(3650).default(90)
});
export type NewCampaign = z.infer<typeof newCampaignSchema>;

export class CampaignInputError extends Error {
	constructor(
		readonly path: string,
		message: string
	) {
		super(message);
	}
}

/** Creates the campaign and starts its workflow in one transaction: a Temporal that refuses leaves no campaign behind. */
export async function createCampaign(input: NewCampaign, actor: SessionUser): Promise<{ id: string }> {
	// At least an hour for reviewers, at most a year: a timer that far is a mistake, not a campaign.
	const ahead = Date.parse(input.deadline) - Date.now();
	if (ahead < 3_600_000) throw new CampaignInputError('deadline', 'must be at least an hour from now');
	if (ahead > 366 * 86_400_000) throw new CampaignInputError('deadline', 'must be within a year from now');
	const client = await temporalClient();
	return getDb().transaction(async (tx) => {
		const [campaign] = await tx
			.insert(accessReviewCampaigns)
			.values({ name: input.name, deadline: new Date(input.deadline), graceHours: input.graceHours, staleDays: input.staleDays, createdBy: actor.username })
			.returning({ id: accessReviewCampaigns.id });
		await appendAudit(tx, { actor: actor.username, action: 'access-review.create', subject: `access-review:${campaign.id}`, details: { ...input } });
		await client.workflow.start<typeof accessReviewCampaign>('accessReviewCampaign', {
			taskQueue: config().TEND_TASK_QUEUE,
			workflowId: reviewWorkflowId(campaign.id),
			args: [{ campaignId: campaign.id, deadline: new Date(input.deadline).toISOString(), graceHours: input.graceHours }]
		});
		return campaign;
	});
}

const counts = {
	items: sql<number>`count(${accessReviewItems.id})::int`,
	pending: sql<number>`count(${accessReviewItems.id}) filter (where ${accessReviewItems.state} in ('pending', 'appealed'))::int`,
	stale: sql<number>`count(${accessReviewItems.id}) filter (where ${accessReviewItems.stale})::int`
};

export async function listCampaigns() {
	const rows = await getDb()
		.select({ ...campaignColumns, ...counts })
		.from(accessReviewCampaigns)
		.leftJoin(accessReviewItems, eq(accessReviewItems.campaignId, accessReviewCampaigns.id))
		.groupBy(accessReviewCampaigns.id)
		.orderBy(desc(accessReviewCampaigns.createdAt))
		.limit(200);
	return rows.map(campaignView);
}

const campaignColumns = {
	id: accessReviewCampaigns.id,
	name: accessReviewCampaigns.name,
	status: accessReviewCampaigns.status,
	deadline: accessReviewCampaigns.deadline,
	graceHours: accessReviewCampaigns.graceHours,
	staleDays: accessReviewCampaigns.staleDays,
	createdBy: accessReviewCampaigns.createdBy,
	createdAt: accessReviewCampaigns.createdAt,
	closedAt: accessReviewCampaigns.closedAt
};

type CampaignRow = { deadline: Date; createdAt: Date; closedAt: Date | null; graceHours: number };
const campaignView = <T extends CampaignRow>(row: T) => ({
	...row,
	deadline: row.deadline.toISOString(),
	graceEndsAt: new Date(row.deadline.getTime() + row.graceHours * 3_600_000).toISOString(),
	createdAt: row.createdAt.toISOString(),
	closedAt: row.closedAt?.toISOString() ?? null
});

/** A campaign and the items the viewer may see: an admin all, anyone else their own (to appeal). */
export async function getCampaign(id: string, viewer: SessionUser) {
	const db = getDb();
	const [campaign] = await db.select(campaignColumns).from(accessReviewCampaigns).where(eq(accessReviewCampaigns.id, id));
	if (!campaign) return null;
	const isAdmin = viewer.roles.includes('admin');
	const items = await db
		.select()
		.from(accessReviewItems)
		.where(itemsVisibleTo(id, { id: viewer.id, isAdmin }))
		.orderBy(asc(accessReviewItems.username), asc(accessReviewItems.role));
	if (!isAdmin && !items.length) return null;
	return {
		campaign: campaignView(campaign),
		items: items.map((i) => itemView(i, viewer.id))
	};
}

export const itemView = (i: AccessReviewItem, viewerId: string) => ({
	id: i.id,
	username: i.username,
	role: i.role,
	lastLoginAt: i.lastLoginAt?.toISOString() ?? null,
	stale: i.stale,
	state: i.state,
	decidedBy: i.decidedBy,
	decidedAt: i.decidedAt?.toISOString() ?? null,
	comment: i.comment,
	appealedAt: i.appealedAt?.toISOString() ?? null,
	own: i.userId === viewerId
});

/** Campaigns in which the viewer has items, for someone who is not an admin. */
export async function campaignsOf(userId: string) {
	const rows = await getDb()
		.selectDistinct(campaignColumns)
		.from(accessReviewCampaigns)
		.innerJoin(accessReviewItems, eq(accessReviewItems.campaignId, accessReviewCampaigns.id))
		.where(eq(accessReviewItems.userId, userId))
		.orderBy(desc(accessReviewCampaigns.createdAt))
		.limit(100);
	return rows.map((r) => campaignView({ ...r, items: 0, pending: 0, stale: 0 }));
}
