import { MockActivityEnvironment } from '@temporalio/testing';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { dataDedupe } from '../../activities/data-dedupe.ts';
import type { DedupeOutputs } from '../../activities/dedupe/outputs.ts';
import { seedCrmDemo } from '../../db/seed/crm-demo.ts';
import { parseConfig } from '../../shared/config.ts';
import { putSecret, secretKeyFrom } from '../../shared/secrets.ts';
import { putTarget } from '../../shared/target-store.ts';
import { median, report, startBenchDatabase } from './harness.ts';

const CUSTOMERS = 1_000_000;
const SOURCE = 'dedupe_source';
const ROUND = 'dedupe_round';

/**
 * The data.dedupe step, a dry run and then a merge, on 1,000,000 customers of which 5% are planted
 * near-duplicates (the demo seed, with its contacts, deals and activities to re-point), against one
 * sequential pass over the table: CREATE TABLE … AS SELECT of the columns the dedupe reads. Each
 * round works on a fresh copy of the seeded database, since a merge changes it; the copy is not timed.
 */
export default async function dedupeBench(rounds = 3): Promise<void> {
	const bench = await startBenchDatabase({ seedCrm: false });
	try {
		const config = parseConfig({ DATABASE_URL: bench.postgres.url('tend'), TEND_SECRET_KEY: bench.secretKey, TEND_HOME: bench.home });
		const deps = { db: bench.db, config };
		await bench.postgres.ensureDatabase(SOURCE);
		const seeded = await seedCrmDemo(bench.postgres.url(SOURCE), { customers: CUSTOMERS, logRows: 0 });
		console.log(`seeded ${SOURCE} in ${Math.round(seeded.ms / 1000)} s: ${JSON.stringify(seeded.counts)}`);
		await putSecret(bench.db, secretKeyFrom(bench.secretKey), 'dedupe-bench-db', bench.postgres.url(ROUND));
		const target = JSON.stringify({ apiVersion: 'tend/v1', kind: 'Target', metadata: { name: 'dedupe-bench', title: 'Dedupe benchmark' }, spec: { databases: { main: { url: 'secret:dedupe-bench-db' } } } });
		const put = await putTarget(bench.db, target, 'application/json', { username: 'bench' });
		if (!put.ok) throw new Error(`bench target refused: ${JSON.stringify(put.errors)}`);

		const admin = new pg.Client({ connectionString: bench.postgres.url('postgres') });
		await admin.connect();
		const freshCopy = async () => {
			await admin.query(`drop database if exists ${ROUND} with (force)`);
			// file_copy: a checkpoint and a copy of the files, far quicker than WAL-logging every block.
			await admin.query(`create database ${ROUND} template ${SOURCE} strategy file_copy`);
		};
		const timed = async <T>(work: () => Promise<T>): Promise<[T, number]> => {
			const started = performance.now();
			const result = await work();
			return [result, performance.now() - started];
		};

		const samples = { baseline: [] as number[], candidate: [] as number[] };
		const phases = { dryRun: [] as number[], merge: [] as number[] };
		try {
			for (let round = 0; round < rounds; round++) {
				await freshCopy();
				const copy = new pg.Client({ connectionString: bench.postgres.url(ROUND) });
				await copy.connect();
				let passMs: number;
				try {
					[, passMs] = await timed(() => copy.query('create table customers_pass as select id, first_name, last_name, email, phone, created_at from customers'));
					await copy.query('drop table customers_pass');
				} finally {
					await copy.end();
				}
				samples.baseline.push(passMs);
				const runId = randomUUID();
				const step = (stepId: string, mode: string) => new MockActivityEnvironment().run(dataDedupe, deps, { runId, stepId, target: 'dedupe-bench' }, { database: 'main', mode }) as Promise<DedupeOutputs>;
				const [dry, dryMs] = await timed(() => step('dedupe', 'dry-run'));
				const [merged, mergeMs] = await timed(() => step('merge', 'merge'));
				if (merged.merged !== dry.duplicates) throw new Error(`the merge merged ${merged.merged} rows, the dry run found ${dry.duplicates} duplicates`);
				phases.dryRun.push(dryMs);
				phases.merge.push(mergeMs);
				samples.candidate.push(dryMs + mergeMs);
				console.log(`round ${round + 1}: CTAS ${Math.round(passMs)} ms; dry run ${Math.round(dryMs)} ms (${dry.groups} groups, ${dry.duplicates} duplicates); merge ${Math.round(mergeMs)} ms (${merged.merged} merged, re-pointed ${JSON.stringify(merged.report.repointed)})`);
			}
		} finally {
			await admin.query(`drop database if exists ${ROUND} with (force)`).catch(() => {});
			await admin.end();
		}
		report(`data.dedupe (dry run + merge) vs one sequential pass, ${CUSTOMERS.toLocaleString('en-US')} customers`, 'CREATE TABLE AS SELECT (baseline)', 'data.dedupe dry run + merge', samples);
		console.log(`  of which: dry run median ${Math.round(median(phases.dryRun))} ms, merge median ${Math.round(median(phases.merge))} ms`);
	} finally {
		await bench.close();
	}
}
