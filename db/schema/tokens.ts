import { index, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { createdAt } from './_helpers.ts';
import { users } from './users.ts';

/** API tokens (DESIGN §7): only the SHA-256 of the token is kept; scopes narrow what it may do; revoking is a timestamp, so the record stays. */
export const apiTokens = pgTable(
	'api_tokens',
	{
		id: uuid('id').primaryKey().defaultRandom(),
		userId: uuid('user_id')
			.notNull()
			.references(() => users.id, { onDelete: 'cascade' }),
		name: text('name').notNull(),
		tokenHash: text('token_hash').notNull().unique(),
		scopes: text('scopes').array().notNull().default([]),
		expiresAt: timestamp('expires_at', { withTimezone: true }),
		lastUsedAt: timestamp('last_used_at', { withTimezone: true }),
		revokedAt: timestamp('revoked_at', { withTimezone: true }),
		createdAt: createdAt()
	},
	(t) => [index('api_tokens_user_idx').on(t.userId)]
);

export type ApiToken = typeof apiTokens.$inferSelect;
