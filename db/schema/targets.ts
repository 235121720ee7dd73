import { jsonb, pgTable, text } from 'drizzle-orm/pg-core';
import { timestamps } from './_helpers.ts';

/** A maintained system (DESIGN §3 `Target`). The document keeps `secret:NAME` references, never values. */
export const targets = pgTable('targets', {
	name: text('name').primaryKey(),
	title: text('title').notNull(),
	document: jsonb('document').$type<Record<string, unknown>>().notNull(),
	...timestamps
});

/** Secrets encrypted at rest with AES-256-GCM with a key of the ring (TEND_SECRET_KEYS / TEND_SECRET_KEY). */
export const secrets = pgTable('secrets', {
	name: text('name').primaryKey(),
	ciphertext: text('ciphertext').notNull(),
	iv: text('iv').notNull(),
	tag: text('tag').notNull(),
	/** Which key of the ring sealed it; null for rows sealed before ids were kept (any key is tried). */
	keyId: text('key_id'),
	...timestamps
});

export type Target = typeof targets.$inferSelect;
