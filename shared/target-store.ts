import { asc, eq, sql } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { targets } from '../db/schema/index.ts';
import { parseTarget, type ParseResult, type SourceError, type TargetContext } from '../runbooks/parse.ts';
import type { TargetDocument } from '../runbooks/target-schema.ts';
import { appendAudit } from './audit.ts';
import { secretNames } from './secret-store.ts';

export interface StoredTarget {
	name: string;
	title: string;
	/** As published: connection strings appear only as `secret:NAME` (or a URL without a password). */
	document: TargetDocument;
	createdAt: Date;
	updatedAt: Date;
}

/** `created` when no target had that name before; `changed` when anything was written at all. */
export type PutTargetResult = { ok: true; name: string; changed: boolean; created: boolean } | { ok: false; errors: SourceError[] };

/**
 * Registers or replaces a Target from its source (YAML or JSON, by media type); the one way a
 * target is written, for the API, `tend apply` and the demo target at start. Every `secret:NAME`
 * must name a stored secret, and a password written into a URL is refused (the schema's rule),
 * so the stored document never holds a credential. Putting the same document again changes
 * nothing and is not audited.
 */
export async function putTarget(
	db: Db,
	source: string,
	contentType: string,
	actor: { id?: string; username: string },
	/** The web app parses on a worker thread (web/src/lib/server/parse-pool.ts); the same parser either way. */
	parse: (source: string, context: TargetContext) => ParseResult<TargetDocument> | Promise<ParseResult<TargetDocument>> = parseTarget
): Promise<PutTargetResult> {
	const parsed = await parse(source, { secrets: await secretNames(db) });
	if (!parsed.ok) return parsed;
	const document = parsed.document;
	const { name, title } = document.metadata;
	return db.transaction(async (tx): Promise<PutTargetResult> => {
		const [written] = await tx
			.insert(targets)
			.values({ name, title, document })
			.onConflictDoUpdate({
				target: targets.name,
				set: { title, document, updatedAt: new Date() },
				// jsonb compares by value, so key order in the source does not count as a change.
				setWhere: sql`${targets.document} is distinct from excluded.document or ${targets.title} is distinct from excluded.title`
			})
			// xmax is 0 on a row this statement inserted, set on one it updated; no row means nothing changed.
			.returning({ created: sql<boolean>`(xmax = 0)` });
		if (!written) return { ok: true, name, changed: false, created: false };
		const format = contentType.includes('json') ? 'json' : 'yaml';
		const databases = Object.keys(document.spec.databases).sort();
		await appendAudit(tx, { actor: actor.username, action: 'target.put', subject: `target:${name}`, details: { created: written.created, format, databases } });
		return { ok: true, name, changed: true, created: written.created };
	});
}

export async function listTargets(db: Db): Promise<StoredTarget[]> {
	const rows = await db.select().from(targets).orderBy(asc(targets.name));
	return rows.map(stored);
}

export async function getTarget(db: Db, name: string): Promise<StoredTarget | null> {
	const [row] = await db.select().from(targets).where(eq(targets.name, name));
	return row ? stored(row) : null;
}

// Documents were validated before they were stored, so they are read back as what they are.
function stored(row: typeof targets.$inferSelect): StoredTarget {
	return { name: row.name, title: row.title, document: row.document as unknown as TargetDocument, createdAt: row.createdAt, updatedAt: row.updatedAt };
}
