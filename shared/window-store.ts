import { asc, eq, sql } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { windows } from '../db/schema/index.ts';
import { parseWindow, type ParseResult, type SourceError } from '../runbooks/parse.ts';
import type { WindowDocument } from '../runbooks/window-schema.ts';
import { appendAudit } from './audit.ts';

export interface StoredWindow {
	name: string;
	title: string;
	kind: 'maintenance' | 'freeze';
	document: WindowDocument;
	updatedAt: Date;
}

/** `created` when no window had that name before; `changed` when anything was written at all. */
export type PutWindowResult = { ok: true; name: string; changed: boolean; created: boolean } | { ok: false; errors: SourceError[] };

/**
 * Defines or replaces a Window from its source (YAML or JSON, by media type). A window is not
 * versioned like a runbook: runs ask about it when they reach it, so the current definition is
 * the one that counts. Putting the same document again changes nothing and is not audited.
 * `keepExisting` only defines a window that is missing: built-ins must not undo an admin's edit.
 */
export async function putWindow(
	db: Db,
	source: string,
	contentType: string,
	actor: { id?: string; username: string },
	/** `parse`: the web app parses on a worker thread (web/src/lib/server/parse-pool.ts); the same parser either way. */
	options: { keepExisting?: boolean; parse?: (source: string) => ParseResult<WindowDocument> | Promise<ParseResult<WindowDocument>> } = {}
): Promise<PutWindowResult> {
	const parsed = await (options.parse ?? parseWindow)(source);
	if (!parsed.ok) return parsed;
	const document = parsed.document;
	const { name, title } = document.metadata;
	const kind = document.spec.kind;
	return db.transaction(async (tx): Promise<PutWindowResult> => {
		const insert = tx.insert(windows).values({ name, title, kind, document });
		const upsert = options.keepExisting
			? insert.onConflictDoNothing()
			: insert.onConflictDoUpdate({
					target: windows.name,
					set: { title, kind, document, updatedAt: new Date() },
					// jsonb compares by value, so key order in the source does not count as a change.
					setWhere: sql`${windows.document} is distinct from excluded.document`
				});
		// xmax is 0 on a row this statement inserted, set on one it updated; no row means nothing changed.
		const [written] = await upsert.returning({ created: sql<boolean>`(xmax = 0)` });
		if (!written) return { ok: true, name, changed: false, created: false };
		const format = contentType.includes('json') ? 'json' : 'yaml';
		await appendAudit(tx, { actor: actor.username, action: 'window.put', subject: `window:${name}`, details: { kind, created: written.created, format } });
		return { ok: true, name, changed: true, created: written.created };
	});
}

export async function listWindows(db: Db, kind?: StoredWindow['kind']): Promise<StoredWindow[]> {
	const rows = await db
		.select()
		.from(windows)
		.where(kind ? eq(windows.kind, kind) : undefined)
		.orderBy(asc(windows.name));
	return rows.map(stored);
}

export async function getWindow(db: Db, name: string): Promise<StoredWindow | null> {
	const [row] = await db.select().from(windows).where(eq(windows.name, name));
	return row ? stored(row) : null;
}

/** The names a runbook may use in `spec.window` and a wait step's `with.window`. */
export async function windowNames(db: Db): Promise<string[]> {
	const rows = await db.select({ name: windows.name }).from(windows).orderBy(asc(windows.name));
	return rows.map((r) => r.name);
}

// Documents were validated before they were stored, so they are read back as what they are.
function stored(row: typeof windows.$inferSelect): StoredWindow {
	return { name: row.name, title: row.title, kind: row.kind, document: row.document as unknown as WindowDocument, updatedAt: row.updatedAt };
}
