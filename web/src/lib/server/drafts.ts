import { eq } from 'drizzle-orm';
import { runbookDrafts } from '../../../../db/schema/index.ts';
import { getDb } from './db.ts';

/** The builder's work in progress: one draft per runbook name, shared by the authors (DESIGN §6). */
export interface RunbookDraft {
	name: string;
	source: string;
	baseVersion: number | null;
	updatedByName: string;
	updatedAt: Date;
}

export async function getDraft(name: string): Promise<RunbookDraft | null> {
	const [row] = await getDb()
		.select({
			name: runbookDrafts.name,
			source: runbookDrafts.source,
			baseVersion: runbookDrafts.baseVersion,
			updatedByName: runbookDrafts.updatedByName,
			updatedAt: runbookDrafts.updatedAt
		})
		.from(runbookDrafts)
		.where(eq(runbookDrafts.name, name));
	return row ?? null;
}

/** Saves over any earlier draft of the same name: the last author to save wins, as in a shared document. */
export async function saveDraft(draft: { name: string; source: string; baseVersion: number | null }, by: { id: string; username: string }): Promise<RunbookDraft> {
	const values = { ...draft, updatedBy: by.id, updatedByName: by.username, updatedAt: new Date() };
	const [row] = await getDb()
		.insert(runbookDrafts)
		.values(values)
		.onConflictDoUpdate({ target: runbookDrafts.name, set: { source: values.source, baseVersion: values.baseVersion, updatedBy: values.updatedBy, updatedByName: values.updatedByName, updatedAt: values.updatedAt } })
		.returning();
	return { name: row.name, source: row.source, baseVersion: row.baseVersion, updatedByName: row.updatedByName, updatedAt: row.updatedAt };
}

/** True when there was a draft to drop. */
export async function deleteDraft(name: string): Promise<boolean> {
	const dropped = await getDb().delete(runbookDrafts).where(eq(runbookDrafts.name, name)).returning({ name: runbookDrafts.name });
	return dropped.length > 0;
}
