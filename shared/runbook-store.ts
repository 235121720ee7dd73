import { and, eq } from 'drizzle-orm';
import { createHash } from 'node:crypto';
import type { Db } from '../db/client.ts';
import { runbooks, runbookVersions } from '../db/schema/index.ts';
import type { RunbookDocument } from '../runbooks/schema.ts';
import { appendAudit } from './audit.ts';

export interface PublishResult {
	name: string;
	version: number;
	/** False when the source equals the latest version's: publishing it again changes nothing. */
	created: boolean;
}

/**
 * Publishes a validated runbook as a new immutable version. The runbook row is created if missing
 * and then locked, so concurrent publishers get consecutive versions; identical source is not
 * published twice.
 */
export async function publishRunbook(
	db: Db,
	document: RunbookDocument,
	source: string,
	by: { id?: string; username: string; builtIn?: string }
): Promise<PublishResult> {
	const { metadata } = document;
	const sha256 = createHash('sha256').update(source).digest('hex');
	return db.transaction(async (tx) => {
		// Insert-if-missing before the lock: two first publishes of a name would otherwise both find no
		// row to lock and both insert it, and the second would fail on the unique name. This one waits
		// for the other's commit and then does nothing.
		await tx
			.insert(runbooks)
			.values({ name: metadata.name, title: metadata.title, tags: metadata.tags, builtIn: by.builtIn ?? null })
			.onConflictDoNothing({ target: runbooks.name });
		const [runbook] = await tx.select().from(runbooks).where(eq(runbooks.name, metadata.name)).for('update');
		if (runbook.latestVersion > 0) {
			const [latest] = await tx
				.select({ sha256: runbookVersions.sha256 })
				.from(runbookVersions)
				.where(and(eq(runbookVersions.runbookId, runbook.id), eq(runbookVersions.version, runbook.latestVersion)));
			if (latest?.sha256 === sha256) return { name: metadata.name, version: runbook.latestVersion, created: false };
		}
		const version = runbook.latestVersion + 1;
		await tx.insert(runbookVersions).values({ runbookId: runbook.id, version, document, source, sha256, publishedBy: by.id ?? null });
		await tx.update(runbooks).set({ latestVersion: version, title: metadata.title, tags: metadata.tags, updatedAt: new Date() }).where(eq(runbooks.id, runbook.id));
		await appendAudit(tx, { actor: by.username, action: 'runbook.publish', subject: `runbook:${metadata.name}`, details: { version, sha256 } });
		return { name: metadata.name, version, created: true };
	});
}
