import { and, eq, inArray, isNull, ne, sql } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { accessReviewCampaigns, accessReviewItems, userRoles, users, type AccessReviewItem, type Role } from '../db/schema/index.ts';
import { appendAudit } from './audit.ts';

/**
 * Access reviews over Tend's own users and roles (DESIGN §5). Every change of a role here is
 * conditional on the item's state, so an activity retried after a crash changes nothing twice,
 * and each is audited in the transaction that makes it.
 */
type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];

/** Outside a campaign (the users page), an account is stale after this many days without a sign-in. */
export const STALE_ACCOUNT_DAYS = 90;

/** No sign-in since `days` ago: counted from the account's creation when it never signed in. */
export const isStale = (user: { lastLoginAt: Date | null; createdAt: Date }, days: number, now = Date.now()) => (user.lastLoginAt ?? user.createdAt).getTime() < now - days * 86_400_000;

export const reviewWorkflowId = (campaignId: string) => `access-review-${campaignId}`;

export class ReviewRefusedError extends Error {
	constructor(
		readonly path: string,
		message: string,
		readonly status: 403 | 404 | 409 = 409
	) {
		super(message);
	}
}

/** The last enabled admin keeps the role whatever a review says: otherwise nobody could administer Tend. */
async function isLastAdmin(tx: Tx, userId: string): Promise<boolean> {
	const others = await tx
		.select({ id: users.id })
		.from(users)
		.where(and(inArray(users.id, tx.select({ id: userRoles.userId }).from(userRoles).where(eq(userRoles.role, 'admin'))), isNull(users.disabledAt), ne(users.id, userId)))
		.limit(1);
	return others.length === 0;
}

async function removeRole(tx: Tx, item: AccessReviewItem): Promise<boolean> {
	if (!item.userId) return false;
	if (item.role === 'admin' && (await isLastAdmin(tx, item.userId))) return false;
	const removed = await tx
		.delete(userRoles)
		.where(and(eq(userRoles.userId, item.userId), eq(userRoles.role, item.role as Role)))
		.returning({ userId: userRoles.userId });
	return removed.length > 0;
}

async function restoreRole(tx: Tx, item: AccessReviewItem): Promise<void> {
	if (item.userId) await tx.insert(userRoles).values({ userId: item.userId, role: item.role as Role }).onConflictDoNothing();
}

/** The campaign's items: every enabled user's every role, a stale flag for no sign-in in `staleDays`. Empty campaigns close at once. */
export async function collectReviewItems(db: Db, campaignId: string): Promise<{ items: number; stale: number }> {
	return db.transaction(async (tx) => {
		const [campaign] = await tx.select().from(accessReviewCampaigns).where(eq(accessReviewCampaigns.id, campaignId)).for('update');
		if (!campaign) return { items: 0, stale: 0 };
		if (campaign.status === 'collecting') {
			const staleBefore = new Date(campaign.createdAt.getTime() - campaign.staleDays * 86_400_000);
			const rows = await tx
				.select({ userId: users.id, username: users.username, role: userRoles.role, lastLoginAt: users.lastLoginAt, createdAt: users.createdAt })
				.from(users)
				.innerJoin(userRoles, eq(userRoles.userId, users.id))
				.where(isNull(users.disabledAt));
			if (rows.length)
				await tx
					.insert(accessReviewItems)
					.values(rows.map((r) => ({ campaignId, userId: r.userId, username: r.username, role: r.role, lastLoginAt: r.lastLoginAt, stale: (r.lastLoginAt ?? r.createdAt) < staleBefore })))
					.onConflictDoNothing();
			const status = rows.length ? 'open' : 'closed';
			await tx.update(accessReviewCampaigns).set({ status, closedAt: rows.length ? null : new Date() }).where(eq(accessReviewCampaigns.id, campaignId));
			await appendAudit(tx, { actor: 'system', action: 'access-review.collect', subject: `access-review:${campaignId}`, details: { items: rows.length, stale: rows.filter((r) => (r.lastLoginAt ?? r.createdAt) < staleBefore).length } });
		}
		const [{ items, stale }] = await tx
			.select({ items: sql<number>`count(*)::int`, stale: sql<number>`count(*) filter (where ${accessReviewItems.stale})::int` })
			.from(accessReviewItems)
			.where(eq(accessReviewItems.campaignId, campaignId));
		return { items, stale };
	});
}

/** At the deadline: every item nobody reviewed is suspended (the role taken away, kept in the item to give back on appeal). */
export async function suspendUnreviewed(db: Db, campaignId: string): Promise<{ suspended: number }> {
	return db.transaction(async (tx) => {
		const pending = await tx.select().from(accessReviewItems).where(and(eq(accessReviewItems.campaignId, campaignId), eq(accessReviewItems.state, 'pending'))).for('update');
		for (const item of pending) {
			const removed = await removeRole(tx, item);
			await tx
				.update(accessReviewItems)
				.set({ state: 'suspended', decidedBy: 'system', decidedAt: new Date(), details: { ...item.details, suspended: removed, ...(removed ? {} : { kept: 'the role was gone already, or this is the last enabled admin' }) } })
				.where(eq(accessReviewItems.id, item.id));
			await appendAudit(tx, { actor: 'system', action: 'access-review.suspend', subject: `user:${item.username}`, details: { campaign: campaignId, item: item.id, role: item.role, removed } });
		}
		await tx.update(accessReviewCampaigns).set({ status: 'grace' }).where(and(eq(accessReviewCampaigns.id, campaignId), eq(accessReviewCampaigns.status, 'open')));
		return { suspended: pending.length };
	});
}

/** After the grace period: suspensions nobody appealed become revocations; the campaign closes. */
export async function revokeSuspended(db: Db, campaignId: string): Promise<{ revoked: number }> {
	return db.transaction(async (tx) => {
		const suspended = await tx.select().from(accessReviewItems).where(and(eq(accessReviewItems.campaignId, campaignId), eq(accessReviewItems.state, 'suspended'))).for('update');
		for (const item of suspended) {
			await tx.update(accessReviewItems).set({ state: 'revoked', decidedBy: 'system', decidedAt: new Date() }).where(eq(accessReviewItems.id, item.id));
			await appendAudit(tx, { actor: 'system', action: 'access-review.revoke', subject: `user:${item.username}`, details: { campaign: campaignId, item: item.id, role: item.role, reason: 'not reviewed by the deadline, not appealed in the grace period' } });
		}
		await tx.update(accessReviewCampaigns).set({ status: 'closed', closedAt: new Date() }).where(eq(accessReviewCampaigns.id, campaignId));
		return { revoked: suspended.length };
	});
}

export interface ReviewActor {
	id: string;
	username: string;
}

/**
 * A reviewer's verdict on one item, at any time before the campaign closes and on an appealed
 * item after. Nobody reviews their own access. Revoking takes the role away at once; certifying
 * a suspended or appealed item gives it back.
 */
export async function decideReviewItem(db: Db, args: { campaignId: string; itemId: string; decision: 'certify' | 'revoke'; comment?: string; actor: ReviewActor }): Promise<AccessReviewItem> {
	return db.transaction(async (tx) => {
		const [item] = await tx.select().from(accessReviewItems).where(and(eq(accessReviewItems.id, args.itemId), eq(accessReviewItems.campaignId, args.campaignId))).for('update');
		if (!item) throw new ReviewRefusedError('itemId', 'no such item in this campaign', 404);
		const [campaign] = await tx.select().from(accessReviewCampaigns).where(eq(accessReviewCampaigns.id, args.campaignId));
		if (item.userId === args.actor.id) throw new ReviewRefusedError('decision', 'nobody reviews their own access', 403);
		const open = campaign.status === 'open' || campaign.status === 'grace';
		if (!(item.state === 'appealed' || (open && (item.state === 'pending' || item.state === 'suspended')))) throw new ReviewRefusedError('decision', `this item is ${item.state} and can no longer be decided`);
		let details = item.details;
		if (args.decision === 'revoke') {
			const removed = await removeRole(tx, item);
			if (!removed && item.state !== 'suspended' && item.role === 'admin' && item.userId && (await isLastAdmin(tx, item.userId))) throw new ReviewRefusedError('decision', 'this is the last enabled admin: make someone else an admin first');
			details = { ...details, removed };
		} else {
			await restoreRole(tx, item);
		}
		const [updated] = await tx
			.update(accessReviewItems)
			.set({ state: args.decision === 'revoke' ? 'revoked' : 'certified', decidedBy: args.actor.username, decidedAt: new Date(), comment: args.comment ?? null, details })
			.where(eq(accessReviewItems.id, item.id))
			.returning();
		await appendAudit(tx, { actor: args.actor.username, action: `access-review.${args.decision}`, subject: `user:${item.username}`, details: { campaign: args.campaignId, item: item.id, role: item.role, from: item.state, ...(args.comment ? { comment: args.comment } : {}) } });
		return updated;
	});
}

/** The owner of a suspended item asks for it back during the grace period: the role returns, and a reviewer decides again. */
export async function appealReviewItem(db: Db, args: { campaignId: string; itemId: string; reason: string; actor: ReviewActor }): Promise<AccessReviewItem> {
	return db.transaction(async (tx) => {
		const [item] = await tx.select().from(accessReviewItems).where(and(eq(accessReviewItems.id, args.itemId), eq(accessReviewItems.campaignId, args.campaignId))).for('update');
		if (!item || item.userId !== args.actor.id) throw new ReviewRefusedError('itemId', 'no such item of yours in this campaign', 404);
		if (item.state !== 'suspended') throw new ReviewRefusedError('itemId', `only a suspended item can be appealed; this one is ${item.state}`);
		await restoreRole(tx, item);
		const [updated] = await tx
			.update(accessReviewItems)
			.set({ state: 'appealed', appealedAt: new Date(), details: { ...item.details, appeal: args.reason } })
			.where(eq(accessReviewItems.id, item.id))
			.returning();
		await appendAudit(tx, { actor: args.actor.username, action: 'access-review.appeal', subject: `user:${item.username}`, details: { campaign: args.campaignId, item: item.id, role: item.role, reason: args.reason } });
		return updated;
	});
}

/** Who may see a campaign's items: admins all of them, everyone else their own. */
export function itemsVisibleTo(campaignId: string, viewer: { id: string; isAdmin: boolean }) {
	return viewer.isAdmin ? eq(accessReviewItems.campaignId, campaignId) : and(eq(accessReviewItems.campaignId, campaignId), eq(accessReviewItems.userId, viewer.id));
}
