import { and, asc, desc, eq } from 'drizzle-orm';
import { createHash, randomUUID } from 'node:crypto';
import { WorkflowExecutionAlreadyStartedError, type WorkflowClient } from '@temporalio/client';
import type { Db } from '../db/client.ts';
import { drillRuns, drills, drillVersions, runbooks, targets } from '../db/schema/index.ts';
import { parseDrill, type ParseResult, type SourceError } from '../runbooks/parse.ts';
import { drillSchema, type DrillDocument } from '../runbooks/drill-schema.ts';
import { parseSource } from '../runbooks/source.ts';
import { appendAudit } from './audit.ts';
import { drillWorkflowId, type DrillRunInput } from '../workflows/drill-definitions.ts';
import type { drillRun } from '../workflows/drill-run.ts';

/**
 * Drills as code (issue 13): published and versioned like runbooks. A POST publishes a new
 * immutable version (identical source publishes nothing); runs pin the version they started with.
 */
export type PublishDrillResult = { ok: true; name: string; version: number; created: boolean } | { ok: false; errors: SourceError[] };

/** The checks beyond the schema: the target and the recovery runbook must exist. */
async function referenceErrors(db: Db, source: string, document: DrillDocument): Promise<SourceError[]> {
	const located = parseSource(source);
	const errors: SourceError[] = [];
	const [target] = await db.select({ name: targets.name, document: targets.document }).from(targets).where(eq(targets.name, document.spec.target));
	if (!target) errors.push({ path: 'spec.target', ...located.locate({ path: ['spec', 'target'], message: '' }), message: `target "${document.spec.target}" is not registered` });
	else {
		const databases = ((target.document as { spec?: { databases?: Record<string, unknown> } }).spec?.databases ?? {}) as Record<string, unknown>;
		if (!Object.hasOwn(databases, document.spec.database)) {
			const path = ['spec', document.spec.database === 'main' && !('database' in ((located.value as { spec?: object })?.spec ?? {})) ? 'target' : 'database'];
			errors.push({ path: path.join('.'), ...located.locate({ path, message: '' }), message: `target "${document.spec.target}" has no database "${document.spec.database}"` });
		}
	}
	const [runbook] = await db.select({ latest: runbooks.latestVersion }).from(runbooks).where(eq(runbooks.name, document.spec.recovery.runbook));
	if (!runbook || runbook.latest === 0) errors.push({ path: 'spec.recovery.runbook', ...located.locate({ path: ['spec', 'recovery', 'runbook'], message: '' }), message: `no published runbook named "${document.spec.recovery.runbook}"` });
	return errors;
}

export async function publishDrill(
	db: Db,
	source: string,
	by: { id?: string; username: string; builtIn?: string },
	options: { parse?: (source: string) => ParseResult<DrillDocument> | Promise<ParseResult<DrillDocument>> } = {}
): Promise<PublishDrillResult> {
	const parsed = await (options.parse ?? parseDrill)(source);
	if (!parsed.ok) return parsed;
	const document = parsed.document;
	const errors = await referenceErrors(db, source, document);
	if (errors.length) return { ok: false, errors };
	const { metadata } = document;
	const sha256 = createHash('sha256').update(source).digest('hex');
	return db.transaction(async (tx) => {
		await tx
			.insert(drills)
			.values({ name: metadata.name, title: metadata.title, target: document.spec.target, builtIn: by.builtIn ?? null })
			.onConflictDoNothing({ target: drills.name });
		const [drill] = await tx.select().from(drills).where(eq(drills.name, metadata.name)).for('update');
		if (drill.latestVersion > 0) {
			const [latest] = await tx
				.select({ sha256: drillVersions.sha256 })
				.from(drillVersions)
				.where(and(eq(drillVersions.drillId, drill.id), eq(drillVersions.version, drill.latestVersion)));
			if (latest?.sha256 === sha256) return { ok: true as const, name: metadata.name, version: drill.latestVersion, created: false };
		}
		const version = drill.latestVersion + 1;
		await tx.insert(drillVersions).values({ drillId: drill.id, version, document, source, sha256, publishedBy: by.id ?? null });
		await tx.update(drills).set({ latestVersion: version, title: metadata.title, target: document.spec.target, updatedAt: new Date() }).where(eq(drills.id, drill.id));
		await appendAudit(tx, { actor: by.username, action: 'drill.publish', subject: `drill:${metadata.name}`, details: { version, sha256 } });
		return { ok: true as const, name: metadata.name, version, created: true };
	});
}

export interface StoredDrill {
	name: string;
	title: string;
	target: string;
	version: number;
	document: DrillDocument;
	source: string;
	publishedAt: Date;
}

export async function listDrills(db: Db): Promise<StoredDrill[]> {
	const rows = await db
		.select({ drill: drills, version: drillVersions })
		.from(drills)
		.innerJoin(drillVersions, and(eq(drillVersions.drillId, drills.id), eq(drillVersions.version, drills.latestVersion)))
		.orderBy(asc(drills.name));
	return rows.map(({ drill, version }) => stored(drill, version));
}

export async function getDrill(db: Db, name: string, version?: number): Promise<StoredDrill | null> {
	const [row] = await db
		.select({ drill: drills, version: drillVersions })
		.from(drills)
		.innerJoin(drillVersions, and(eq(drillVersions.drillId, drills.id), eq(drillVersions.version, version ?? drills.latestVersion)))
		.where(eq(drills.name, name));
	return row ? stored(row.drill, row.version) : null;
}

export async function drillVersionList(db: Db, name: string): Promise<Array<{ version: number; publishedAt: Date }>> {
	return db
		.select({ version: drillVersions.version, publishedAt: drillVersions.publishedAt })
		.from(drillVersions)
		.innerJoin(drills, eq(drills.id, drillVersions.drillId))
		.where(eq(drills.name, name))
		.orderBy(desc(drillVersions.version));
}

function stored(drill: typeof drills.$inferSelect, version: typeof drillVersions.$inferSelect): StoredDrill {
	// Validated before it was stored; parsed again for its defaults' types.
	return { name: drill.name, title: drill.title, target: drill.target, version: version.version, document: drillSchema.parse(version.document), source: version.source, publishedAt: version.publishedAt };
}

export class DrillNotFoundError extends Error {
	override name = 'DrillNotFoundError';
}

/**
 * Starts a drill run of the drill's latest version: its row first (committed), then its workflow;
 * if Temporal refuses, the row is removed again and the error passed on.
 */
export async function startDrillRun(
	deps: { db: Db; workflows: WorkflowClient; taskQueue: string },
	request: { drillName: string; initiator: { id: string; username: string }; id?: string }
): Promise<{ id: string; created: boolean }> {
	const [row] = await deps.db
		.select({ drill: drills, version: drillVersions })
		.from(drills)
		.innerJoin(drillVersions, and(eq(drillVersions.drillId, drills.id), eq(drillVersions.version, drills.latestVersion)))
		.where(eq(drills.name, request.drillName));
	if (!row) throw new DrillNotFoundError(`no drill named "${request.drillName}"`);
	const id = request.id ?? randomUUID();
	const document = drillSchema.parse(row.version.document);
	const inserted = await deps.db.transaction(async (tx) => {
		const rows = await tx
			.insert(drillRuns)
			.values({ id, drillName: row.drill.name, versionId: row.version.id, version: row.version.version, target: document.spec.target, workflowId: drillWorkflowId(id), initiatorId: request.initiator.id, initiator: request.initiator.username })
			.onConflictDoNothing({ target: drillRuns.id })
			.returning({ id: drillRuns.id });
		if (!rows.length) return false;
		await appendAudit(tx, { actor: request.initiator.username, action: 'drill.start', subject: `drill-run:${id}`, details: { drill: row.drill.name, version: row.version.version } });
		return true;
	});
	const input: DrillRunInput = { drillRunId: id, drill: { name: row.drill.name, version: row.version.version }, document, initiator: request.initiator };
	try {
		await deps.workflows.start<typeof drillRun>('drillRun', { taskQueue: deps.taskQueue, workflowId: drillWorkflowId(id), args: [input] });
	} catch (error) {
		if (error instanceof WorkflowExecutionAlreadyStartedError) return { id, created: inserted };
		if (inserted) await deps.db.delete(drillRuns).where(eq(drillRuns.id, id));
		throw error;
	}
	return { id, created: inserted };
}
