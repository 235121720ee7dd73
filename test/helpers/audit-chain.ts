import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import pg from 'pg';
import { migrationsFolder, type Db } from '../../db/client.ts';
import { AUDIT_GENESIS, auditEntryHash, type AuditRecord } from '../../shared/audit.ts';

/**
 * The audit append as it was before sealing: a global advisory lock taken in the caller's
 * transaction, the last row by id, and a row inserted with its hash. Kept for the migration test
 * (rows written this way must stay valid) and as the bench's baseline. Call inside a transaction.
 */
export async function lockedAppend(client: pg.ClientBase, table: string, record: AuditRecord): Promise<void> {
	const name = pg.escapeIdentifier(table);
	await client.query('select pg_advisory_xact_lock($1)', [7_402_115]);
	const { rows } = await client.query<{ hash: string }>(`select hash from ${name} order by id desc limit 1`);
	const prevHash = rows[0]?.hash ?? AUDIT_GENESIS;
	const entry = { at: new Date(), actor: record.actor, action: record.action, subject: record.subject, details: record.details ?? {} };
	await client.query(`insert into ${name} (at, actor, action, subject, details, prev_hash, hash) values ($1, $2, $3, $4, $5, $6, $7)`, [
		entry.at,
		entry.actor,
		entry.action,
		entry.subject,
		entry.details,
		prevHash,
		auditEntryHash(prevHash, entry)
	]);
}

/** Applies only the migrations before `tag` (as a database last migrated by an older release). */
export async function migrateUntil(db: Db, tag: string): Promise<void> {
	const folder = mkdtempSync(join(tmpdir(), 'tend-migrations-'));
	try {
		cpSync(migrationsFolder, folder, { recursive: true });
		const journalPath = join(folder, 'meta', '_journal.json');
		const journal = JSON.parse(readFileSync(journalPath, 'utf8')) as { entries: Array<{ tag: string }> };
		const until = journal.entries.findIndex((entry) => entry.tag === tag);
		if (until < 0) throw new Error(`no migration ${tag}`);
		writeFileSync(journalPath, JSON.stringify({ ...journal, entries: journal.entries.slice(0, until) }));
		await migrate(db, { migrationsFolder: folder });
	} finally {
		rmSync(folder, { recursive: true, force: true });
	}
}
