import { bigint, index, integer, pgEnum, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { createdAt } from './_helpers.ts';
import { runs } from './runs.ts';

export const backupFormatEnum = pgEnum('backup_format', ['custom', 'directory']);

/** The backup catalogue. The id is derived from run + step, so a retried dump never adds a second row. */
export const backups = pgTable(
	'backups',
	{
		id: text('id').primaryKey(),
		target: text('target').notNull(),
		database: text('database').notNull(),
		format: backupFormatEnum('format').notNull(),
		path: text('path').notNull(),
		sizeBytes: bigint('size_bytes', { mode: 'number' }).notNull(),
		sha256: text('sha256').notNull(),
		serverVersion: text('server_version'),
		startedAt: timestamp('started_at', { withTimezone: true }).notNull(),
		durationMs: integer('duration_ms').notNull(),
		runId: uuid('run_id').references(() => runs.id, { onDelete: 'set null' }),
		verifiedAt: timestamp('verified_at', { withTimezone: true }),
		/** The second (offsite) copy, when the target names one; same bytes, same sha256. */
		offsitePath: text('offsite_path'),
		/** Set when retention removed the files; the row stays as the record that the backup existed. */
		prunedAt: timestamp('pruned_at', { withTimezone: true }),
		createdAt: createdAt()
	},
	(t) => [index('backups_target_idx').on(t.target, t.database, t.startedAt)]
);

export type Backup = typeof backups.$inferSelect;
