import { Context } from '@temporalio/activity';
import { eq } from 'drizzle-orm';
import { createHash } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { z } from 'zod';
import { backups } from '../db/schema/index.ts';
import { backupFileName, countsPath } from './backup-paths.ts';
import { sha256OfBackup } from './file-hash.ts';
import { parseStepParams } from './failures.ts';
import { copyBackupVerified } from './offsite-copy.ts';
import { findPgTool, libpqEnv, runPgTool, serverMajorVersion, tableRowCounts, withPgClient } from './pg-tools.ts';
import type { ActivityDeps, StepContext } from './step-context.ts';
import { backupFolder, offsiteFolder, targetDatabaseUrl } from './targets.ts';

export const backupParams = z.object({
	database: z.string().min(1),
	format: z.enum(['custom', 'directory']).default('custom'),
	jobs: z.number().int().min(1).max(16).default(1)
});

export interface BackupOutputs extends Record<string, unknown> {
	backupId: string;
	path: string;
	sizeBytes: number;
	sha256: string;
	startedAt: string;
	durationMs: number;
	/** Where the second copy went, when the target names an `offsite` location. */
	offsitePath?: string;
}

export { countsPath };

/** One id per run and step: a retried or replayed step finds its own backup instead of adding one. */
export const backupIdFor = (ctx: StepContext) => `bk-${ctx.runId}-${ctx.stepId}`;

const HEARTBEAT_MS = 2000;

/**
 * Dumps a database of the target, catalogues the dump (`bk-<run>-<step>`) and, when the target
 * names an `offsite` location, copies it there and checks the copy's sha256 before recording it.
 */
export async function postgresBackup(deps: ActivityDeps, ctx: StepContext, raw: unknown): Promise<BackupOutputs> {
	const params = parseStepParams('postgres.backup', backupParams, raw);
	const backupId = backupIdFor(ctx);
	const offsite = await offsiteFolder(deps, ctx.target);
	const activity = Context.current();
	const progress = { phase: 'dump', bytes: 0 };
	const heartbeat = setInterval(() => activity.heartbeat(progress), HEARTBEAT_MS);
	try {
		// A retry after the catalogue row was written repeats only what is missing: the offsite copy.
		const [done] = await deps.db.select().from(backups).where(eq(backups.id, backupId));
		const catalogued = done && existsSync(done.path) ? done : await dumpAndCatalogue(deps, ctx, params, backupId, activity.cancellationSignal, progress);
		if (!offsite || (catalogued.offsitePath && existsSync(catalogued.offsitePath))) return catalogueOutputs(catalogued);
		Object.assign(progress, { phase: 'offsite copy', bytes: 0 });
		const offsitePath = await copyBackupVerified(catalogued.path, offsite, catalogued.sha256, activity.cancellationSignal, (n) => (progress.bytes += n));
		await deps.db.update(backups).set({ offsitePath }).where(eq(backups.id, backupId));
		return catalogueOutputs({ ...catalogued, offsitePath });
	} finally {
		clearInterval(heartbeat);
	}
}

async function dumpAndCatalogue(
	deps: ActivityDeps,
	ctx: StepContext,
	params: z.infer<typeof backupParams>,
	backupId: string,
	signal: AbortSignal,
	progress: { bytes: number }
): Promise<CatalogueRow> {
	const url = await targetDatabaseUrl(deps, ctx.target, params.database, 'postgres.backup');
	const folder = await backupFolder(deps, ctx.target);
	mkdirSync(folder, { recursive: true });
	const path = join(folder, backupFileName(backupId, params.format));
	const partial = `${path}.partial`;
	rmSync(partial, { recursive: true, force: true });

	const startedAt = new Date();
	const started = performance.now();
	try {
		// The dump and the row counts come from one exported snapshot, so verify compares like with like.
		const result = await withPgClient(url, async (client) => {
			const server = await serverMajorVersion(client);
			const pgDump = findPgTool('pg_dump', server.major, deps.config.TEND_PG_BIN);
			await client.query('begin isolation level repeatable read read only');
			const { rows } = await client.query<{ snapshot: string }>('select pg_export_snapshot() as snapshot');
			const counts = await tableRowCounts(client);
			const env = libpqEnv(url);
			const common = ['--no-password', `--snapshot=${rows[0].snapshot}`];
			let sha256: string | undefined;
			if (params.format === 'custom') {
				const dump = runPgTool(pgDump, [...common, '--format=custom'], env, signal);
				const hash = createHash('sha256');
				const tee = new Transform({
					transform(chunk: Buffer, _encoding, callback) {
						hash.update(chunk);
						progress.bytes += chunk.length;
						callback(null, chunk);
					}
				});
				await Promise.all([pipeline(dump.child.stdout!, tee, createWriteStream(partial)), dump.done]);
				sha256 = hash.digest('hex');
			} else {
				// pg_dump's workers all attach to the exported snapshot, so a parallel dump is as consistent as a single one.
				await runPgTool(pgDump, [...common, '--format=directory', `--jobs=${params.jobs}`, `--file=${partial}`], env, signal).done;
			}
			await client.query('commit');
			return { counts, sha256, serverVersion: server.version };
		});

		// A directory dump is many files written by several processes; it is checksummed once complete (see sha256OfBackup).
		const measured = result.sha256 ? { sha256: result.sha256, sizeBytes: progress.bytes } : await sha256OfBackup(partial);
		writeFileSync(countsPath(path), JSON.stringify(result.counts, null, 2));
		rmSync(path, { recursive: true, force: true });
		renameSync(partial, path);
		const durationMs = Math.round(performance.now() - started);
		const row = {
			id: backupId,
			target: ctx.target,
			database: params.database,
			format: params.format,
			path,
			sizeBytes: measured.sizeBytes,
			sha256: measured.sha256,
			serverVersion: result.serverVersion,
			startedAt,
			durationMs,
			runId: ctx.runId,
			offsitePath: null
		};
		await deps.db.insert(backups).values(row).onConflictDoUpdate({ target: backups.id, set: row });
		return row;
	} catch (error) {
		rmSync(partial, { recursive: true, force: true });
		throw error;
	}
}

type CatalogueRow = { id: string; path: string; sizeBytes: number; sha256: string; startedAt: Date; durationMs: number; offsitePath: string | null };

function catalogueOutputs(row: CatalogueRow): BackupOutputs {
	const outputs: BackupOutputs = { backupId: row.id, path: row.path, sizeBytes: row.sizeBytes, sha256: row.sha256, startedAt: row.startedAt.toISOString(), durationMs: row.durationMs };
	if (row.offsitePath) outputs.offsitePath = row.offsitePath;
	return outputs;
}
