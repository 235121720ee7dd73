import { jsonb, pgTable, text, timestamp } from 'drizzle-orm/pg-core';

/**
 * Policies an admin sets at run time (token lifetimes, who must use MFA): one JSON document per
 * area, validated by the code that reads it (web/src/lib/server/settings.ts), with defaults in
 * code for an area never written.
 */
export const settings = pgTable('settings', {
	key: text('key').primaryKey(),
	value: jsonb('value').$type<Record<string, unknown>>().notNull(),
	updatedBy: text('updated_by').notNull(),
	updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow()
});

export type SettingRow = typeof settings.$inferSelect;
