import { and, desc, eq, gte, lt, lte, type SQL } from 'drizzle-orm';
import { auditLog } from '$db/schema/index.ts';
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

/** Newest first, a page at a time by id (no OFFSET): `older` is the cursor for `before` on the next page, null at the end. */
export async function listAuditPage(query: AuditQuery): Promise<{ entries: AuditEntryView[]; older: number | null }> {
	const rows = await getDb()
		.select()
		.from(auditLog)
		.where(
			and(
				query.actor === undefined ? undefined : eq(auditLog.actor, query.actor),
				query.action === undefined ? undefined : eq(auditLog.action, query.action),
				query.subject === undefined ? undefined : eq(auditLog.subject, query.subject),
				query.from === undefined ? undefined : bound(query.from, 'from'),
				query.to === undefined ? undefined : bound(query.to, 'to'),
				query.before === undefined ? undefined : lt(auditLog.id, query.before)
			)
		)
		.orderBy(desc(auditLog.id))
		.limit(query.limit + 1);
	const page = rows.slice(0, query.limit);
	return {
		entries: page.map((row) => ({ ...row, at: row.at.toISOString() })),
		older: rows.length > query.limit ? page[page.length - 1].id : null
	};
}
