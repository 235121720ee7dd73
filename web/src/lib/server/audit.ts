import { and, desc, eq, gte, lt, lte, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import { auditLog } from '../../../../db/schema/index.ts';
import { formatIssuePath, type FieldError } from './api.ts';
import { getDb } from './db.ts';

const DAY = /^\d{4}-\d{2}-\d{2}$/;

// PostgreSQL refuses a NUL byte in text (22021): it must be a 400 here, never reach the query.
const name = z.string().trim().min(1).max(500).refine((v) => !v.includes('\0'), 'must not contain a NUL byte');
const instant = z.union([z.iso.date(), z.iso.datetime({ offset: true })], { error: 'must be a date (YYYY-MM-DD, UTC) or a date-time with its offset, such as 2026-05-01T08:00:00Z' });

/** GET /api/v1/audit's query: exact actor, action and subject, a time range, and a keyset cursor. */
const auditQuerySchema = z.strictObject({
	actor: name.optional(),
	action: name.optional(),
	subject: name.optional(),
	from: instant.optional(),
	to: instant.optional(),
	before: z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER).optional(),
	limit: z.coerce.number().int().min(1).max(200).default(50)
});

export type AuditQuery = z.output<typeof auditQuerySchema>;

/** The query, or what is wrong with it, by parameter name. */
export function parseAuditQuery(params: URLSearchParams): { query: AuditQuery; errors?: undefined } | { errors: FieldError[] } {
	// Without a prototype, `__proto__=x` is a key like any other, and refused as one.
	const given: Record<string, string> = Object.create(null);
	const errors: FieldError[] = [];
	for (const [key, value] of params) {
		if (key in given) errors.push({ path: key, message: 'give it once' });
		given[key] = value;
	}
	const parsed = auditQuerySchema.safeParse(given);
	for (const issue of parsed.error?.issues ?? []) {
		if (issue.code === 'unrecognized_keys') errors.push(...issue.keys.map((key) => ({ path: key, message: `is not a filter; use ${Object.keys(auditQuerySchema.shape).join(', ')}` })));
		// One message per parameter: `before=1e20` is both too large and not an integer, but one fix mends both.
		else if (!errors.some((e) => e.path === formatIssuePath(issue.path))) errors.push({ path: formatIssuePath(issue.path), message: issue.message });
	}
	return parsed.success && !errors.length ? { query: parsed.data } : { errors };
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
