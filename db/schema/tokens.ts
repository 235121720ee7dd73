import { index, pgTable, text, timestamp, uuid, type AnyPgColumn } from 'drizzle-orm/pg-core';
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
		/** Null only on tokens made before every token had an expiry; those count from created_at (web/src/lib/server/tokens.ts). */
		expiresAt: timestamp('expires_at', { withTimezone: true }),
		/** The token the request that made this one authenticated with, if any: this one is never wider than it. */
		createdByTokenId: uuid('created_by_token_id').references((): AnyPgColumn => apiTokens.id, { onDelete: 'set null' }),
		lastUsedAt: timestamp('last_used_at', { withTimezone: true }),
		revokedAt: timestamp('revoked_at', { withTimezone: true }),
		createdAt: createdAt()
	},
	(t) => [index('api_tokens_user_idx').on(t.userId)]
);

export type ApiToken = typeof apiTokens.$inferSelect;
