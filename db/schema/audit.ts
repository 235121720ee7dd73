import { sql } from 'drizzle-orm';
import { bigint, bigserial, index, jsonb, pgTable, text, timestamp } from 'drizzle-orm/pg-core';

/**
 * Append-only and hash-chained (DESIGN §7). A row is inserted unsealed, in the transaction of the
 * change it records, without waiting on any other writer; the sealer then gives it the next
 * position in the chain (`seq`, in the order it seals, which need not be id order, since ids
 * commit out of order) and the hash that covers the previous row's. A trigger (migration
 * 0005_audit_log_append_only) refuses DELETE, TRUNCATE and every UPDATE but that one sealing.
 */
export const auditLog = pgTable(
	'audit_log',
	{
		id: bigserial('id', { mode: 'number' }).primaryKey(),
		at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
		actor: text('actor').notNull(),
		action: text('action').notNull(),
		subject: text('subject').notNull(),
		details: jsonb('details').$type<Record<string, unknown>>().notNull().default({}),
		/** Position in the chain, from 1; null until sealed. */
		seq: bigint('seq', { mode: 'number' }).unique(),
		prevHash: text('prev_hash'),
		hash: text('hash').unique()
	},
	(t) => [
		index('audit_log_subject_idx').on(t.subject),
		// The sealer's work list: small, since rows leave it within moments of their commit.
		index('audit_log_unsealed_idx').on(t.id).where(sql`${t.seq} is null`)
	]
);

export type AuditEntry = typeof auditLog.$inferSelect;
