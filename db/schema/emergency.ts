import { pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { users } from './users.ts';

/**
 * An admin's emergency stop (DESIGN §3): while a row has no `lifted_at`, every risky step in every
 * run waits. Rows are kept after lifting, so the history of stops stays readable.
 */
export const emergencyStops = pgTable('emergency_stops', {
	id: uuid('id').primaryKey().defaultRandom(),
	reason: text('reason').notNull(),
	startedBy: uuid('started_by').references(() => users.id, { onDelete: 'set null' }),
	startedByName: text('started_by_name').notNull(),
	startedAt: timestamp('started_at', { withTimezone: true }).notNull().defaultNow(),
	liftedBy: uuid('lifted_by').references(() => users.id, { onDelete: 'set null' }),
	liftedByName: text('lifted_by_name'),
	liftedAt: timestamp('lifted_at', { withTimezone: true })
});

export type EmergencyStop = typeof emergencyStops.$inferSelect;
