import { and, asc, desc, eq, gte, lt, lte, type SQL } from 'drizzle-orm';
import { auditLog } from '$db/schema/index.ts';
import { verifyAuditChain } from '$shared/audit.ts';
import { auditSigningKeys, signAuditExport, type AuditExportFile } from '$shared/audit-export.ts';
import { config } from '$shared/config.ts';
import { configKeyRing } from '$shared/key-ring.ts';
import { getDb } from './db.ts';

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** GET /api/v1/audit's query, as its contract checks it: exact actor, action and subject, a time range (a day or an instant), and a keyset cursor. */
export interface AuditQuery {
	actor?: string;
	action?: string;
	subject?: string;
	from?: string;
	to?: string;
	before?: number;
	limit: number;
}

export interface AuditEntryView {
	id: number;
	/** Position in the hash chain; null until the sealer has reached the entry. */
	seq: number | null;
	at: string;
	actor: string;
	action: string;
	subject: string;
	details: Record<string, unknown>;
	prevHash: string | null;
	hash: string | null;
}

/** A day alone means the whole UTC day: `from` its start, `to` its end. */
function bound(value: string, edge: 'from' | 'to'): SQL {
	if (!DAY.test(value)) return edge === 'from' ? gte(auditLog.at, new Date(value)) : lte(auditLog.at, new Date(value));
	const start = new Date(`${value}T00:00:00Z`);
	return edge === 'from' ? gte(auditLog.at, start) : lt(auditLog.at, new Date(start.getTime() + 86_400_000));
}

/** The filters every listing shares: exact actor, action, subject; a time range; the keyset cursor. */
function filtered(query: Omit<AuditQuery, 'limit'>): SQL | undefined {
	return and(
		query.actor === undefined ? undefined : eq(auditLog.actor, query.actor),
		query.action === undefined ? undefined : eq(auditLog.action, query.action),
		query.subject === undefined ? undefined : eq(auditLog.subject, query.subject),
		query.from === undefined ? undefined : bound(query.from, 'from'),
		query.to === undefined ? undefined : bound(query.to, 'to'),
		query.before === undefined ? undefined : lt(auditLog.id, query.before)
	);
}

/** Newest first, a page at a time by id (no OFFSET): `older` is the cursor for `before` on the next page, null at the end. */
export async function listAuditPage(query: AuditQuery): Promise<{ entries: AuditEntryView[]; older: number | null }> {
	const rows = await getDb().select().from(auditLog).where(filtered(query)).orderBy(desc(auditLog.id)).limit(query.limit + 1);
	const page = rows.slice(0, query.limit);
	return {
		entries: page.map((row) => ({ ...row, at: row.at.toISOString() })),
		older: rows.length > query.limit ? page[page.length - 1].id : null
	};
}

/** An export holds at most this many entries: past it, the caller narrows the filters (a time range). */
export const AUDIT_EXPORT_MAX = 50_000;

export class AuditExportTooLargeError extends Error {}

/**
 * Every entry the filters match, oldest first (chain order where sealed), with the chain's
 * verdict at the time, signed with the instance's key. Entries carry their hashes, so whoever
 * holds a whole export from the first entry can re-walk the chain as well.
 */
export async function signedAuditExport(query: Omit<AuditQuery, 'limit' | 'before'>, exportedBy: string, publicKeyUrl: string): Promise<AuditExportFile> {
	const db = getDb();
	const chain = await verifyAuditChain(db, { seal: true });
	const rows = await db.select().from(auditLog).where(filtered(query)).orderBy(asc(auditLog.id)).limit(AUDIT_EXPORT_MAX + 1);
	if (rows.length > AUDIT_EXPORT_MAX) throw new AuditExportTooLargeError(`more than ${AUDIT_EXPORT_MAX} entries match: narrow the time range`);
	const filters = Object.fromEntries(Object.entries(query).filter(([, v]) => v !== undefined));
	const content = { exportedAt: new Date().toISOString(), exportedBy, filters, chain, entries: rows.map((row) => ({ ...row, at: row.at.toISOString() })) };
	return signAuditExport(configKeyRing(config()), content, publicKeyUrl);
}

/** The public halves of the export signing keys, current first. */
export const publishedAuditKeys = () => auditSigningKeys(configKeyRing(config()));

/** The last verdict of the daily check (the auditChainCheck workflow records it as an audit entry). */
export async function lastScheduledVerification(): Promise<{ at: string; ok: boolean; entries: number; firstBadId: number | null } | null> {
	const [row] = await getDb().select().from(auditLog).where(eq(auditLog.action, 'audit.chain-checked')).orderBy(desc(auditLog.id)).limit(1);
	if (!row) return null;
	const d = row.details as { ok?: boolean; entries?: number; firstBadId?: number | null };
	return { at: row.at.toISOString(), ok: d.ok === true, entries: d.entries ?? 0, firstBadId: d.firstBadId ?? null };
}

/** The actions and actors the log holds, for the page's filter choices (distinct values, a bounded few). */
export async function auditFilterChoices(): Promise<{ actions: string[]; actors: string[] }> {
	const db = getDb();
	const [actions, actors] = await Promise.all([
		db.selectDistinct({ value: auditLog.action }).from(auditLog).orderBy(asc(auditLog.action)).limit(500),
		db.selectDistinct({ value: auditLog.actor }).from(auditLog).orderBy(asc(auditLog.actor)).limit(500)
	]);
	return { actions: actions.map((r) => r.value), actors: actors.map((r) => r.value) };
}
