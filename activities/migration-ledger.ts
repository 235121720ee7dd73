import pg from 'pg';
import { nonRetryable } from './failures.ts';

/**
 * The ledger of applied bundles, kept in the target database itself: it travels with the data
 * (a restore brings back the ledger that matches it), and the row that records an update commits
 * in the same transaction as the update. Rows are only appended; a bundle's state is its newest row.
 */
export interface LedgerEntry {
	bundle: string;
	version: string;
	direction: 'up' | 'down';
	checksum: string;
	runId: string;
	stepId: string;
	durationMs: number;
}

/** Serialises migrations of one database: two runs must not apply bundles side by side. */
const MIGRATION_LOCK = '7310302560385541226';

/** `tend_migrations` in the connection's current schema, quoted. */
export async function ledgerTable(client: pg.ClientBase): Promise<string> {
	const { rows } = await client.query<{ schema: string | null }>('select current_schema() as schema');
	const schema = rows[0]?.schema;
	if (!schema) throw nonRetryable('MigrationFailed', 'the database has no current schema (search_path names no existing schema), so there is nowhere to keep the tend_migrations ledger');
	return `${pg.escapeIdentifier(schema)}.tend_migrations`;
}

export async function ensureLedger(client: pg.ClientBase, table: string): Promise<void> {
	await client.query(`create table if not exists ${table} (
		id bigint generated always as identity primary key,
		bundle text not null,
		version text not null,
		direction text not null check (direction in ('up', 'down')),
		checksum text not null,
		applied_at timestamptz not null default now(),
		run_id text not null,
		step_id text not null,
		duration_ms integer not null
	)`);
}

export type LatestEntry = Pick<LedgerEntry, 'direction' | 'checksum' | 'runId' | 'stepId'>;

export async function latestEntry(client: pg.ClientBase, table: string, bundle: string): Promise<LatestEntry | undefined> {
	const { rows } = await client.query<LatestEntry>(`select direction, checksum, run_id as "runId", step_id as "stepId" from ${table} where bundle = $1 order by id desc limit 1`, [bundle]);
	return rows[0];
}

export async function appendEntry(client: pg.ClientBase, table: string, entry: LedgerEntry): Promise<void> {
	await client.query(`insert into ${table} (bundle, version, direction, checksum, run_id, step_id, duration_ms) values ($1, $2, $3, $4, $5, $6, $7)`, [
		entry.bundle,
		entry.version,
		entry.direction,
		entry.checksum,
		entry.runId,
		entry.stepId,
		entry.durationMs
	]);
}

/** Waits for the lock up to the session's lock_timeout; a timeout is retried like any lock timeout. */
export async function lockForTransaction(client: pg.ClientBase): Promise<void> {
	await client.query('select pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
}

export async function lockForSession(client: pg.ClientBase): Promise<() => Promise<void>> {
	await client.query('select pg_advisory_lock($1)', [MIGRATION_LOCK]);
	return async () => {
		await client.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK]);
	};
}
