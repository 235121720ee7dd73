import { and, asc, desc, eq } from 'drizzle-orm';
import { runbooks, runbookVersions } from '../../../../db/schema/index.ts';
import type { RunbookDocument } from '../../../../runbooks/schema.ts';
import { getDb as db } from './db.ts';

export interface RunbookSummary {
	name: string;
	title: string;
	tags: string[];
	latestVersion: number;
	builtIn: boolean;
	updatedAt: Date;
}

export async function listRunbooks(): Promise<RunbookSummary[]> {
	const rows = await db().select().from(runbooks).orderBy(asc(runbooks.name));
	return rows.map((r) => ({ name: r.name, title: r.title, tags: r.tags, latestVersion: r.latestVersion, builtIn: r.builtIn !== null, updatedAt: r.updatedAt }));
}

/** A runbook with one of its versions (the latest unless `version` is given), or null. */
export async function getRunbook(name: string, version?: number) {
	const [runbook] = await db().select().from(runbooks).where(eq(runbooks.name, name));
	if (!runbook) return null;
	const [row] = await db()
		.select()
		.from(runbookVersions)
		.where(and(eq(runbookVersions.runbookId, runbook.id), eq(runbookVersions.version, version ?? runbook.latestVersion)));
	if (!row) return null;
	return {
		name: runbook.name,
		title: runbook.title,
		tags: runbook.tags,
		latestVersion: runbook.latestVersion,
		version: { version: row.version, document: row.document as RunbookDocument, source: row.source, sha256: row.sha256, publishedAt: row.publishedAt }
	};
}

export async function listVersions(name: string) {
	const [runbook] = await db().select({ id: runbooks.id }).from(runbooks).where(eq(runbooks.name, name));
	if (!runbook) return null;
	return db()
		.select({ version: runbookVersions.version, sha256: runbookVersions.sha256, publishedAt: runbookVersions.publishedAt })
		.from(runbookVersions)
		.where(eq(runbookVersions.runbookId, runbook.id))
		.orderBy(desc(runbookVersions.version));
}
