import { MockActivityEnvironment } from '@temporalio/testing';
import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import pg from 'pg';
import { backupVerify } from '../../activities/backup-verify.ts';
import { findPgTool, libpqEnv, runPgTool } from '../../activities/pg-tools.ts';
import { postgresBackup, type BackupOutputs } from '../../activities/postgres-backup.ts';
import { parseConfig } from '../../shared/config.ts';
import { compare, report, startBenchDatabase } from './harness.ts';

/**
 * The verify step (checksum, scratch database, pg_restore, exact row counts of every table,
 * catalogue update) against a bare `pg_restore` of the same crm_demo dump into a fresh scratch
 * database: what proving a backup costs beyond restoring it.
 */
export default async function verifyBench(rounds = 5): Promise<void> {
	const bench = await startBenchDatabase();
	try {
		const config = parseConfig({ DATABASE_URL: bench.postgres.url('tend'), TEND_SECRET_KEY: bench.secretKey, TEND_HOME: bench.home });
		const deps = { db: bench.db, config };
		const [version] = (await bench.db.execute<{ id: string }>(sql`select id from runbook_versions limit 1`)).rows;
		const runId = randomUUID();
		await bench.db.execute(sql`insert into runs (id, runbook_name, version_id, version, initiator, workflow_id) values (${runId}, 'crm-nightly-backup', ${version.id}, 1, 'bench', ${`bench-${runId}`})`);
		const backup = (await new MockActivityEnvironment().run(postgresBackup, deps, { runId, stepId: 'backup', target: 'crm-demo' }, { database: 'main' })) as BackupOutputs;
		const pgRestore = findPgTool('pg_restore', 15);
		const admin = new pg.Client({ connectionString: bench.postgres.url('postgres') });
		await admin.connect();

		try {
			let round = 0;
			const samples = await compare(
				rounds,
				async () => {
					const scratch = `bench_restore_${round++}`;
					await admin.query(`create database ${scratch}`);
					await runPgTool(pgRestore, ['--no-password', '--no-owner', '--no-privileges', '--exit-on-error', `--dbname=${scratch}`, backup.path], libpqEnv(bench.crmUrl, scratch)).done;
					await admin.query(`drop database ${scratch} with (force)`);
				},
				async () => {
					await new MockActivityEnvironment().run(backupVerify, deps, { runId, stepId: `verify-${round}`, target: 'crm-demo' }, { database: 'main', backup: backup.backupId });
				}
			);
			report(`backup.verify step vs bare pg_restore of crm_demo (${(backup.sizeBytes / 1024 / 1024).toFixed(0)} MiB dump)`, 'pg_restore into scratch (baseline)', 'backup.verify step', samples);
		} finally {
			await admin.end();
		}
	} finally {
		await bench.close();
	}
}
