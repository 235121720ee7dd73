import { Context } from '@temporalio/activity';
import { and, desc, eq, isNull } from 'drizzle-orm';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { z } from 'zod';
import { backups, type Backup } from '../db/schema/index.ts';
import { SCRATCH_DATABASE_PATTERN, SCRATCH_MARK } from '../runbooks/step-schemas.ts';
import { sha256OfBackup } from './file-hash.ts';
import { nonRetryable, parseStepParams } from './failures.ts';
import { findPgTool, libpqEnv, runPgTool, serverMajorVersion, withDatabase, withPgClient } from './pg-tools.ts';
import type { ActivityDeps, StepContext } from './step-context.ts';
import { targetDatabaseUrl } from './targets.ts';

export const restoreParams = z.object({
	database: z.string().min(1),
	/** A backupId, or `latest`: the newest backup of this database that retention has not pruned. */
	backup: z.string().min(1),
	into: z
		.string()
		.regex(SCRATCH_DATABASE_PATTERN, 'must be a database name of lower-case letters, digits, _ and -')
		.refine((name) => Buffer.byteLength(name) <= 63, 'must be at most 63 characters (PostgreSQL would cut it short)')
		.optional()
});

export interface RestoreOutputs extends Record<string, unknown> {
	/** The scratch database restored into, or the target's database (its name in the Target). */
	database: string;
	durationMs: number;
	backupId: string;
	/** Which copy was restored: `primary`, or `offsite` when the primary was missing or damaged. */
	restoredFrom: 'primary' | 'offsite';
}

/** Written on every scratch database this step creates: only such a database (or an empty one) is ever dropped by it. */
const NEVER_SCRATCH = new Set(['postgres', 'template0', 'template1']);

/** Identifiers cannot be query parameters: names are checked against SCRATCH_DATABASE_PATTERN and quoted as well. */
const ident = (name: string) => pg.escapeIdentifier(name);

/**
 * Before an in-place restore, inside the same transaction: every schema but PostgreSQL's own is
 * dropped, and `public` is recreated as a new database has it. `pg_restore --clean` alone drops only
 * what the backup holds, so a table or function created after the backup (by an update being rolled
 * back, say) would survive it; this way the database ends equal to the backup, or, if anything
 * fails, exactly as it was.
 */
const EMPTY_THE_DATABASE = `do $$
declare s name;
begin
	for s in select nspname from pg_namespace where nspname <> 'information_schema' and nspname not like 'pg\\_%' loop
		execute format('drop schema %I cascade', s);
	end loop;
	create schema public authorization pg_database_owner;
	grant usage on schema public to public;
	comment on schema public is 'standard public schema';
end $$`;

export async function findCataloguedBackup(deps: ActivityDeps, target: string, database: string, id: string): Promise<Backup> {
	const [row] =
		id === 'latest'
			? await deps.db
					.select()
					.from(backups)
					.where(and(eq(backups.target, target), eq(backups.database, database), isNull(backups.prunedAt)))
					.orderBy(desc(backups.startedAt))
					.limit(1)
			: await deps.db.select().from(backups).where(eq(backups.id, id));
	if (!row) throw nonRetryable('BackupNotFound', id === 'latest' ? `no backup of ${target}/${database} is catalogued yet` : `backup "${id}" is not in the catalogue`);
	if (row.target !== target || row.database !== database) {
		throw nonRetryable('InvalidStepParams', `backup ${row.id} is of ${row.target}/${row.database}, not of ${target}/${database}`);
	}
	if (row.prunedAt) throw nonRetryable('BackupNotFound', `backup ${row.id} was removed by retention on ${row.prunedAt.toISOString()}`);
	return row;
}

/**
 * The copy to restore from, checked against the catalogued sha256 before anything is restored: the
 * primary, else the offsite copy when the primary is missing or fails its checksum. A mismatch with
 * no good copy left is final; a retry would read the same bytes.
 */
export async function checkedBackupCopy(backup: Backup): Promise<{ path: string; copy: 'primary' | 'offsite' }> {
	const failures: string[] = [];
	for (const [copy, path] of [['primary', backup.path], ['offsite', backup.offsitePath]] as const) {
		if (!path || !existsSync(path)) continue;
		const actual = (await sha256OfBackup(path)).sha256;
		if (actual === backup.sha256) return { path, copy };
		failures.push(`${copy} copy ${path} has sha256 ${actual}`);
	}
	if (!failures.length) throw nonRetryable('BackupNotFound', `backup ${backup.id} is catalogued but no copy of it is left (${[backup.path, backup.offsitePath].filter(Boolean).join(', ')})`);
	throw nonRetryable('BackupChecksumMismatch', `backup ${backup.id} fails its checksum: expected sha256 ${backup.sha256}, but the ${failures.join('; the ')}; refusing to restore it`);
}

/**
 * `postgres.restore`: restores a catalogued backup into a scratch database (`into`, created on the
 * target's server) or over the target's database itself, with pg_restore of the server's major version.
 * Safe to retry: a scratch database is dropped (with its sessions, even an orphaned pg_restore's) and
 * created again, and an in-place restore is one transaction that always ends in the backup's state.
 */
export async function postgresRestore(deps: ActivityDeps, ctx: StepContext, raw: unknown): Promise<RestoreOutputs> {
	const params = parseStepParams('postgres.restore', restoreParams, raw);
	const activity = Context.current();
	const progress = { phase: 'checking the backup' };
	const heartbeat = setInterval(() => activity.heartbeat(progress), 2000);
	const started = performance.now();
	// Every session this attempt opens carries this name, so a cancelled or failed restore can end them on the server too.
	const applicationName = `tend-restore-${createHash('sha256').update(`${ctx.runId}/${ctx.stepId}/${activity.info.attempt}`).digest('hex').slice(0, 16)}`;
	try {
		const backup = await findCataloguedBackup(deps, ctx.target, params.database, params.backup);
		const source = await checkedBackupCopy(backup);
		const url = await targetDatabaseUrl(deps, ctx.target, params.database, 'postgres.restore');
		await withPgClient(url, async (admin) => {
			const server = await serverMajorVersion(admin);
			const pgRestore = findPgTool('pg_restore', server.major, deps.config.TEND_PG_BIN);
			let created: string | null = null;
			try {
				if (params.into) {
					progress.phase = `preparing ${params.into}`;
					await prepareScratch(admin, url, params.into, appDatabaseName(deps, url));
					created = params.into;
					progress.phase = `restoring into ${params.into}`;
					const env = { ...libpqEnv(url, params.into), PGAPPNAME: applicationName };
					await runPgTool(pgRestore, ['--no-password', '--no-owner', '--no-privileges', '--exit-on-error', `--dbname=${params.into}`, source.path], env, activity.cancellationSignal).done;
				} else {
					progress.phase = 'restoring in place';
					const psql = findPgTool('psql', server.major, deps.config.TEND_PG_BIN);
					// The owner login cannot give objects to another role: what it restores is its own (a dump made as another owner included).
					const { rows: [login] } = await admin.query<{ superuser: boolean }>('select rolsuper as superuser from pg_roles where rolname = current_user');
					await restoreInPlace(pgRestore, psql, source.path, { ...libpqEnv(url), PGAPPNAME: applicationName }, activity.cancellationSignal, login.superuser ? [] : ['--no-owner']);
				}
			} catch (error) {
				await admin.query('select pg_terminate_backend(pid) from pg_stat_activity where application_name = $1', [applicationName]).catch(() => {});
				// A half-restored scratch is no use to anyone; the next attempt would drop it anyway.
				if (created) await admin.query(`drop database if exists ${ident(created)} with (force)`).catch(() => {});
				throw activity.cancellationSignal.aborted ? (activity.cancellationSignal.reason ?? error) : error;
			}
		});
		return { database: params.into ?? params.database, durationMs: Math.round(performance.now() - started), backupId: backup.id, restoredFrom: source.copy };
	} finally {
		clearInterval(heartbeat);
	}
}

/** The name of Tend's own database when it lives on the same server as the target, which a scratch must never be. */
function appDatabaseName(deps: ActivityDeps, targetUrl: string): string | null {
	try {
		const app = new URL(deps.config.DATABASE_URL);
		const target = new URL(targetUrl);
		return app.host === target.host ? decodeURIComponent(app.pathname.slice(1)) : null;
	} catch {
		return null;
	}
}

/**
 * Makes `into` a fresh, empty database. One left by an earlier attempt (or an earlier drill) is
 * dropped and created again, so a retry starts clean; a database this step did not create is
 * dropped only if it holds nothing, and otherwise the step refuses rather than destroy it.
 */
async function prepareScratch(admin: pg.Client, url: string, into: string, appDatabase: string | null): Promise<void> {
	const { rows: [current] } = await admin.query<{ name: string }>('select current_database() as name');
	if (into === current.name || into === appDatabase || NEVER_SCRATCH.has(into)) {
		throw nonRetryable('InvalidStepParams', `with.into: "${into}" is ${into === current.name ? "the target's own database" : 'not a scratch database'}; name a scratch database, or leave into out to restore in place`);
	}
	const { rows } = await admin.query<{ mark: string | null }>(`select shobj_description(oid, 'pg_database') as mark from pg_database where datname = $1`, [into]);
	if (rows.length && rows[0].mark !== SCRATCH_MARK && !(await isEmptyDatabase(withDatabase(url, into)))) {
		throw nonRetryable('InvalidStepParams', `with.into: database "${into}" exists, holds data and was not created by postgres.restore; name another scratch database or drop it yourself`);
	}
	await admin.query(`drop database if exists ${ident(into)} with (force)`);
	await admin.query(`create database ${ident(into)}`);
	await admin.query(`comment on database ${ident(into)} is '${SCRATCH_MARK}'`);
}

async function isEmptyDatabase(url: string): Promise<boolean> {
	return withPgClient(url, async (client) => {
		const { rows } = await client.query<{ n: string }>(
			`select count(*) as n from pg_class c join pg_namespace n on n.oid = c.relnamespace
			  where n.nspname <> 'information_schema' and n.nspname not like 'pg\\_%'`
		);
		return Number(rows[0].n) === 0;
	});
}

/**
 * pg_restore writes the backup as SQL (with --clean --if-exists) into psql, which runs it after
 * EMPTY_THE_DATABASE in one transaction with ON_ERROR_STOP: a failure or a cancellation leaves the
 * database as it was. Both formats allow this (only a parallel restore could not be one transaction).
 */
async function restoreInPlace(pgRestore: string, psql: string, path: string, env: Record<string, string>, signal: AbortSignal, options: string[]): Promise<void> {
	const script = runPgTool(pgRestore, ['--clean', '--if-exists', '--exit-on-error', ...options, '--file=-', path], env, signal);
	const apply = runPgTool(
		psql,
		['--no-psqlrc', '--no-password', '--quiet', '--output=/dev/null', '--single-transaction', '--set=ON_ERROR_STOP=1', `--command=${EMPTY_THE_DATABASE}`, '--file=-'],
		env,
		signal,
		{ stdin: true }
	);
	apply.child.stdout?.resume();
	await Promise.all([pipeline(script.child.stdout!, apply.child.stdin!), script.done, apply.done]);
}
