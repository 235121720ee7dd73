import { Context } from '@temporalio/activity';
import { and, desc, eq, isNull } from 'drizzle-orm';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { z } from 'zod';
import { backups, type Backup } from '../db/schema/index.ts';
import { sha256OfBackup } from './file-hash.ts';
import { nonRetryable, parseStepParams } from './failures.ts';
import { countsPath } from './postgres-backup.ts';
import { findPgTool, libpqEnv, runPgTool, serverMajorVersion, tableRowCounts, withDatabase, withPgClient } from './pg-tools.ts';
import type { ActivityDeps, StepContext } from './step-context.ts';
import { targetDatabaseUrl } from './targets.ts';

export const verifyParams = z.object({
	database: z.string().min(1),
	backup: z.string().min(1).optional()
});

export interface VerifyOutputs extends Record<string, unknown> {
	backupId: string;
	restoreMs: number;
	tablesCompared: number;
	mismatches: number;
	backupAgeSeconds: number;
	mismatchedTables: string[];
}

/** A scratch name fixed per run and step: a retry drops and reuses it rather than leaking one per attempt. */
const scratchName = (ctx: StepContext) => `tend_verify_${createHash('sha256').update(`${ctx.runId}/${ctx.stepId}`).digest('hex').slice(0, 16)}`;

async function findBackup(deps: ActivityDeps, ctx: StepContext, database: string, id: string | undefined): Promise<Backup> {
	const [row] = id
		? await deps.db.select().from(backups).where(eq(backups.id, id))
		: await deps.db
				.select()
				.from(backups)
				.where(and(eq(backups.target, ctx.target), eq(backups.database, database), isNull(backups.prunedAt)))
				.orderBy(desc(backups.startedAt))
				.limit(1);
	if (!row) throw nonRetryable('BackupNotFound', id ? `backup "${id}" is not in the catalogue` : `no backup of ${ctx.target}/${database} is catalogued yet`);
	if (!existsSync(row.path)) throw nonRetryable('BackupNotFound', `backup ${row.id} is catalogued but its file ${row.path} is missing`);
	return row;
}

/** Restores a backup into a scratch database on the target's server and compares row counts with the dump's snapshot. */
export async function backupVerify(deps: ActivityDeps, ctx: StepContext, raw: unknown): Promise<VerifyOutputs> {
	const params = parseStepParams('backup.verify', verifyParams, raw);
	const backup = await findBackup(deps, ctx, params.database, params.backup);
	const activity = Context.current();
	const heartbeat = setInterval(() => activity.heartbeat({ phase: 'verifying' }), 2000);
	try {
		// The checksum is checked before any restore: a damaged file must never reach a database.
		const measured = await sha256OfBackup(backup.path);
		if (measured.sha256 !== backup.sha256) {
			throw nonRetryable('BackupChecksumMismatch', `backup ${backup.id} fails its checksum (catalogued sha256 ${backup.sha256}, file has ${measured.sha256}); refusing to restore it`);
		}
		const expected = JSON.parse(readFileSync(countsPath(backup.path), 'utf8')) as Record<string, number>;

		const sourceUrl = await targetDatabaseUrl(deps, ctx.target, params.database, 'backup.verify');
		const scratch = scratchName(ctx);
		return await withPgClient(sourceUrl, async (admin) => {
			const server = await serverMajorVersion(admin);
			const pgRestore = findPgTool('pg_restore', server.major, deps.config.TEND_PG_BIN);
			// Identifiers cannot be parameters; scratch is [a-z0-9_] built above.
			await admin.query(`drop database if exists ${scratch} with (force)`);
			await admin.query(`create database ${scratch}`);
			try {
				const started = performance.now();
				const restore = runPgTool(pgRestore, ['--no-password', '--no-owner', '--no-privileges', '--exit-on-error', `--dbname=${scratch}`, backup.path], libpqEnv(sourceUrl, scratch), activity.cancellationSignal);
				await restore.done;
				const restoreMs = Math.round(performance.now() - started);
				const actual = await withPgClient(withDatabase(sourceUrl, scratch), tableRowCounts);
				const tables = [...new Set([...Object.keys(expected), ...Object.keys(actual)])].sort();
				const mismatchedTables = tables.filter((t) => expected[t] !== actual[t]);
				if (mismatchedTables.length) {
					const detail = mismatchedTables.slice(0, 5).map((t) => `${t}: dump ${expected[t] ?? 'absent'}, restore ${actual[t] ?? 'absent'}`);
					throw nonRetryable('BackupVerifyMismatch', `backup ${backup.id} restored with different row counts in ${mismatchedTables.length} table(s): ${detail.join('; ')}`);
				}
				await deps.db.update(backups).set({ verifiedAt: new Date() }).where(eq(backups.id, backup.id));
				return {
					backupId: backup.id,
					restoreMs,
					tablesCompared: tables.length,
					mismatches: mismatchedTables.length,
					backupAgeSeconds: Math.round((Date.now() - backup.startedAt.getTime()) / 1000),
					mismatchedTables
				};
			} finally {
				await admin.query(`drop database if exists ${scratch} with (force)`);
			}
		});
	} finally {
		clearInterval(heartbeat);
	}
}
