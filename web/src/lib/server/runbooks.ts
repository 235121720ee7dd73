import { and, asc, desc, eq } from 'drizzle-orm';
import { runbooks, runbookVersions } from '../../../../db/schema/index.ts';
import { appendAudit } from '$shared/audit.ts';
import { currentVersion } from '$shared/run-start.ts';
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
		pinnedVersion: runbook.pinnedVersion,
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

export class PinError extends Error {
	override name = 'PinError';
}

/**
 * Pins the version runs start when none is named (operators, schedules, child runs), or unpins
 * it with `version: null` so the latest runs again. Audited. Returns the version now current.
 */
export async function pinRunbookVersion(name: string, version: number | null, actor: string): Promise<{ pinnedVersion: number | null; currentVersion: number } | null> {
	return db().transaction(async (tx) => {
		const [runbook] = await tx.select().from(runbooks).where(eq(runbooks.name, name)).for('update');
		if (!runbook || runbook.latestVersion === 0) return null;
		if (version !== null) {
			const [row] = await tx.select({ version: runbookVersions.version }).from(runbookVersions).where(and(eq(runbookVersions.runbookId, runbook.id), eq(runbookVersions.version, version)));
			if (!row) throw new PinError(`runbook "${name}" has no version ${version}`);
		}
		const pinned = version === runbook.latestVersion ? null : version;
		if (pinned !== runbook.pinnedVersion) {
			await tx.update(runbooks).set({ pinnedVersion: pinned }).where(eq(runbooks.id, runbook.id));
			await appendAudit(tx, { actor, action: pinned === null ? 'runbook.unpin' : 'runbook.pin', subject: `runbook:${name}`, details: { from: runbook.pinnedVersion, to: pinned, latest: runbook.latestVersion } });
		}
		return { pinnedVersion: pinned, currentVersion: currentVersion({ latestVersion: runbook.latestVersion, pinnedVersion: pinned }) };
	});
}

/** The version a run of `name` starts unless an author names another; null for no such runbook. */
export async function currentVersionOf(name: string): Promise<number | null> {
	const [runbook] = await db().select({ latestVersion: runbooks.latestVersion, pinnedVersion: runbooks.pinnedVersion }).from(runbooks).where(eq(runbooks.name, name));
	return runbook ? currentVersion(runbook) : null;
}
