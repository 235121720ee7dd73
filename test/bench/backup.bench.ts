import { MockActivityEnvironment } from '@temporalio/testing';
import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { findPgTool, libpqEnv, runPgTool } from '../../activities/pg-tools.ts';
import { postgresBackup, type BackupOutputs } from '../../activities/postgres-backup.ts';
import { parseConfig } from '../../shared/config.ts';
import { compare, report, startBenchDatabase } from './harness.ts';

/** The backup step (snapshot, row counts, streaming sha256, catalogue) against a bare `pg_dump -Fc` of crm_demo. */
export default async function backupBench(rounds = 5): Promise<void> {
	const bench = await startBenchDatabase();
	try {
		const config = parseConfig({ DATABASE_URL: bench.postgres.url('tend'), TEND_SECRET_KEY: bench.secretKey, TEND_HOME: bench.home });
		const deps = { db: bench.db, config };
		const pgDump = findPgTool('pg_dump', 15);
		const [version] = (await bench.db.execute<{ id: string }>(sql`select id from runbook_versions limit 1`)).rows;
		const bareFile = join(bench.home, 'bare.dump');

		const samples = await compare(
			rounds,
			async () => {
				rmSync(bareFile, { force: true });
				await runPgTool(pgDump, ['--no-password', '--format=custom', `--file=${bareFile}`], libpqEnv(bench.crmUrl)).done;
			},
			async () => {
				const runId = randomUUID();
				await bench.db.execute(
					sql`insert into runs (id, runbook_name, version_id, version, initiator, workflow_id) values (${runId}, 'crm-nightly-backup', ${version.id}, 1, 'bench', ${`bench-${runId}`})`
				);
				const outputs = (await new MockActivityEnvironment().run(postgresBackup, deps, { runId, stepId: 'backup', target: 'crm-demo' }, { database: 'main' })) as BackupOutputs;
				rmSync(outputs.path, { force: true });
			}
		);
		report('postgres.backup step vs bare pg_dump -Fc of crm_demo', 'pg_dump -Fc (baseline)', 'postgres.backup step', samples, '≤ 1.05');
	} finally {
		await bench.close();
	}
}
