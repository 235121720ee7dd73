import { bigserial, index, jsonb, pgTable, text, timestamp } from 'drizzle-orm/pg-core';

/** Append-only and hash-chained: each row's hash covers the previous row's hash (DESIGN §7). */
export const auditLog = pgTable(
	'audit_log',
	{
		id: bigserial('id', { mode: 'number' }).primaryKey(),
		at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
		actor: text('actor').notNull(),
		action: text('action').notNull(),
		subject: text('subject').notNull(),
		details: jsonb('details').$type<Record<string, unknown>>().notNull().default({}),
		prevHash: text('prev_hash').notNull(),
		hash: text('hash').notNull().unique()
	},
	(t) => [index('audit_log_subject_idx').on(t.subject)]
);

export type AuditEntry = typeof auditLog.$inferSelect;
