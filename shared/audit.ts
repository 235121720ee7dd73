import { createHash } from 'node:crypto';
import { and, asc, desc, gt, isNotNull, isNull, sql } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { auditLog, type AuditEntry } from '../db/schema/index.ts';

export interface AuditRecord {
	actor: string;
	action: string;
	subject: string;
	details?: Record<string, unknown>;
}

/** The previous hash of the first entry. */
export const AUDIT_GENESIS = '0'.repeat(64);
/** One sealer at a time extends the chain, whichever process it runs in. */
const SEAL_LOCK = 7_402_115;
const SEAL_BATCH = 500;
const VERIFY_PAGE = 1000;

/** JSON with keys sorted at every level: jsonb does not keep key order, and the hash must not depend on it. */
function canonicalJson(value: unknown): string {
	if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
	if (value && typeof value === 'object') {
		const entries = Object.entries(value).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
		return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
	}
	return JSON.stringify(value ?? null);
}

/** The hash of an entry as stored, over its predecessor's: rows chained before `seq` existed were hashed the same way, so they stay valid. */
export function auditEntryHash(prevHash: string, row: Pick<AuditEntry, 'at' | 'actor' | 'action' | 'subject' | 'details'>): string {
	const canonical = canonicalJson([prevHash, row.at.toISOString(), row.actor, row.action, row.subject, row.details ?? {}]);
	return createHash('sha256').update(canonical).digest('hex');
}

type AppendListener = (backendPid: number) => void;
const appendListeners = new Set<AppendListener>();

/**
 * Hears the server process id of each connection that appends, so a sealer can run as soon as
 * that connection's transaction has ended (shared/audit-sealer.ts). Returns the unsubscribe.
 */
export function onAuditAppend(listener: AppendListener): () => void {
	appendListeners.add(listener);
	return () => appendListeners.delete(listener);
}

/**
 * Appends to the audit log. Call inside the transaction that makes the change, so the entry
 * commits or rolls back with it. Nothing is locked: the row goes in unsealed and the sealer
 * chains it after the commit, so concurrent transactions never wait on one another here.
 */
export async function appendAudit(tx: Pick<Db, 'insert'>, record: AuditRecord): Promise<void> {
	// Milliseconds, as the hash reads `at` back: a microsecond timestamp would not survive the round trip.
	const [row] = await tx
		.insert(auditLog)
		.values({ at: new Date(), actor: record.actor, action: record.action, subject: record.subject, details: record.details ?? {} })
		.returning({ pid: sql<number>`pg_backend_pid()` });
	for (const listener of appendListeners) listener(row.pid);
}

export interface SealResult {
	sealed: number;
	/** Another sealer held the lock, so the rows it can see are its to seal. */
	busy: boolean;
}

/**
 * Gives each committed unsealed row the next position in the chain, its predecessor's hash and
 * its own, in batches. Positions follow the order rows are sealed in, not their ids: ids are
 * drawn when a row is inserted, and a transaction that started later may commit first.
 * `wait` queues behind a running sealer instead of leaving the work to it.
 */
export async function sealAuditLog(db: Db, options: { wait?: boolean } = {}): Promise<SealResult> {
	let sealed = 0;
	for (;;) {
		const batch = await db.transaction(async (tx) => {
			if (options.wait) await tx.execute(sql`select pg_advisory_xact_lock(${SEAL_LOCK})`);
			else {
				const { rows } = await tx.execute<{ locked: boolean }>(sql`select pg_try_advisory_xact_lock(${SEAL_LOCK}) as locked`);
				if (!rows[0].locked) return null;
			}
			const [head] = await tx.select({ seq: auditLog.seq, hash: auditLog.hash }).from(auditLog).where(isNotNull(auditLog.seq)).orderBy(desc(auditLog.seq)).limit(1);
			const rows = await tx.select().from(auditLog).where(isNull(auditLog.seq)).orderBy(asc(auditLog.id)).limit(SEAL_BATCH);
			let seq = head?.seq ?? 0;
			let prevHash = head?.hash ?? AUDIT_GENESIS;
			const seals = rows.map((row) => {
				const hash = auditEntryHash(prevHash, row);
				const seal = { id: row.id, seq: ++seq, prev_hash: prevHash, hash };
				prevHash = hash;
				return seal;
			});
			if (seals.length)
				await tx.execute(sql`
					update ${auditLog} set seq = v.seq, prev_hash = v.prev_hash, hash = v.hash
					from jsonb_to_recordset(${JSON.stringify(seals)}::jsonb) as v(id bigint, seq bigint, prev_hash text, hash text)
					where ${auditLog.id} = v.id`);
			return seals.length;
		});
		if (batch === null) return { sealed, busy: true };
		sealed += batch;
		if (batch < SEAL_BATCH) return { sealed, busy: false };
	}
}

export interface AuditVerification {
	/** Every sealed entry hashes to what it claims and follows the one before it. */
	ok: boolean;
	/** Sealed entries checked: all of them when ok, up to and including the first bad one otherwise. */
	entries: number;
	/** The id of the first entry, in chain order, that does not hold. */
	firstBadId: number | null;
	/** Rows not yet sealed, which the chain does not cover yet. */
	unsealed: number;
}

/**
 * Walks the chain by position. An entry is bad when its position skips, its prev_hash is not its
 * predecessor's hash, or its hash does not cover its own content: any edited field, a changed
 * hash, a deleted or reordered row is found at the first entry it breaks. `seal` seals what has
 * committed first, so a check on demand covers everything written until then.
 */
export async function verifyAuditChain(db: Db, options: { seal?: boolean } = {}): Promise<AuditVerification> {
	if (options.seal) await sealAuditLog(db, { wait: true });
	let prevHash = AUDIT_GENESIS;
	let entries = 0;
	let firstBadId: number | null = null;
	walk: for (;;) {
		const rows = await db
			.select()
			.from(auditLog)
			.where(and(isNotNull(auditLog.seq), gt(auditLog.seq, entries)))
			.orderBy(asc(auditLog.seq))
			.limit(VERIFY_PAGE);
		for (const row of rows) {
			entries++;
			const hash = auditEntryHash(prevHash, row);
			if (row.seq !== entries || row.prevHash !== prevHash || row.hash !== hash) {
				firstBadId = row.id;
				break walk;
			}
			prevHash = hash;
		}
		if (rows.length < VERIFY_PAGE) break;
	}
	const [{ unsealed }] = await db.select({ unsealed: sql<number>`count(*)::int` }).from(auditLog).where(isNull(auditLog.seq));
	return { ok: firstBadId === null, entries, firstBadId, unsealed };
}
