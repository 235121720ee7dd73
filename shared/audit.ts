import { createHash } from 'node:crypto';
import { asc, desc, sql } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { auditLog } from '../db/schema/index.ts';

type Executor = Pick<Db, 'select' | 'insert' | 'execute'>;

export interface AuditRecord {
	actor: string;
	action: string;
	subject: string;
	details?: Record<string, unknown>;
}

const GENESIS = '0'.repeat(64);
// One writer at a time extends the chain; the lock is released when the caller's transaction ends.
const AUDIT_LOCK = 7_402_115;

/** JSON with keys sorted at every level: jsonb does not keep key order, and the hash must not depend on it. */
function canonicalJson(value: unknown): string {
	if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
	if (value && typeof value === 'object') {
		const entries = Object.entries(value).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
		return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
	}
	return JSON.stringify(value ?? null);
}

function entryHash(prevHash: string, at: string, record: AuditRecord): string {
	const canonical = canonicalJson([prevHash, at, record.actor, record.action, record.subject, record.details ?? {}]);
	return createHash('sha256').update(canonical).digest('hex');
}

/** Appends to the hash-chained audit log. Call inside the transaction that makes the change. */
export async function appendAudit(tx: Executor, record: AuditRecord): Promise<void> {
	await tx.execute(sql`select pg_advisory_xact_lock(${AUDIT_LOCK})`);
	const [last] = await tx.select({ hash: auditLog.hash }).from(auditLog).orderBy(desc(auditLog.id)).limit(1);
	const prevHash = last?.hash ?? GENESIS;
	const at = new Date();
	await tx.insert(auditLog).values({ at, prevHash, hash: entryHash(prevHash, at.toISOString(), record), ...record, details: record.details ?? {} });
}

/** Walks the chain; returns the id of the first entry that does not hash to what it claims, or null. */
export async function verifyAuditChain(db: Executor): Promise<{ entries: number; brokenAt: number | null }> {
	const rows = await db.select().from(auditLog).orderBy(asc(auditLog.id));
	let prevHash = GENESIS;
	for (const row of rows) {
		const expected = entryHash(prevHash, row.at.toISOString(), { actor: row.actor, action: row.action, subject: row.subject, details: row.details });
		if (row.prevHash !== prevHash || row.hash !== expected) return { entries: rows.length, brokenAt: row.id };
		prevHash = row.hash;
	}
	return { entries: rows.length, brokenAt: null };
}
