import { boolean, index, integer, jsonb, pgEnum, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { createdAt } from './_helpers.ts';
import { users } from './users.ts';

export const REVIEW_CAMPAIGN_STATUSES = ['collecting', 'open', 'grace', 'closed'] as const;
export const reviewCampaignStatusEnum = pgEnum('review_campaign_status', REVIEW_CAMPAIGN_STATUSES);

/**
 * An item's life: pending until a reviewer certifies or revokes it by the deadline; an unreviewed
 * one is suspended at the deadline, revoked after the grace period unless its owner appealed
 * (an appeal restores it and puts it back before a reviewer).
 */
export const REVIEW_ITEM_STATES = ['pending', 'certified', 'revoked', 'suspended', 'appealed'] as const;
export const reviewItemStateEnum = pgEnum('review_item_state', REVIEW_ITEM_STATES);

/** An access review campaign over Tend's users and their roles (DESIGN §5); its workflow is `review-<id>`. */
export const accessReviewCampaigns = pgTable('access_review_campaigns', {
	id: uuid('id').primaryKey().defaultRandom(),
	name: text('name').notNull(),
	status: reviewCampaignStatusEnum('status').notNull().default('collecting'),
	deadline: timestamp('deadline', { withTimezone: true }).notNull(),
	graceHours: integer('grace_hours').notNull(),
	/** Accounts without a sign-in for this many days are flagged stale in the campaign. */
	staleDays: integer('stale_days').notNull(),
	createdBy: text('created_by').notNull(),
	createdAt: createdAt(),
	closedAt: timestamp('closed_at', { withTimezone: true })
});

export const accessReviewItems = pgTable(
	'access_review_items',
	{
		id: uuid('id').primaryKey().defaultRandom(),
		campaignId: uuid('campaign_id')
			.notNull()
			.references(() => accessReviewCampaigns.id, { onDelete: 'cascade' }),
		/** Whose access it is: the person who may appeal. */
		userId: uuid('user_id').references(() => users.id, { onDelete: 'set null' }),
		username: text('username').notNull(),
		role: text('role').notNull(),
		lastLoginAt: timestamp('last_login_at', { withTimezone: true }),
		stale: boolean('stale').notNull().default(false),
		state: reviewItemStateEnum('state').notNull().default('pending'),
		decidedBy: text('decided_by'),
		decidedAt: timestamp('decided_at', { withTimezone: true }),
		comment: text('comment'),
		appealedAt: timestamp('appealed_at', { withTimezone: true }),
		/** What the decision did, for the page and for putting a suspension back. */
		details: jsonb('details').$type<Record<string, unknown>>().notNull().default({})
	},
	(t) => [index('access_review_items_campaign').on(t.campaignId), uniqueIndex('access_review_items_grant').on(t.campaignId, t.username, t.role)]
);

export type AccessReviewCampaign = typeof accessReviewCampaigns.$inferSelect;
export type AccessReviewItem = typeof accessReviewItems.$inferSelect;
