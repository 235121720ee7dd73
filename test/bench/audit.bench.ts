import { setTimeout as sleep } from 'node:timers/promises';
import { drizzle } from 'drizzle-orm/node-postgres';
import type pg from 'pg';
import { createDb, schema } from '../../db/client.ts';
import { startAuditSealer } from '../../shared/audit-sealer.ts';
import { appendAudit, verifyAuditChain, type AuditRecord } from '../../shared/audit.ts';
import { lockedAppend } from '../helpers/audit-chain.ts';
import { compare, median, startBenchDatabase } from './harness.ts';

const CONCURRENCY = Number(process.env.BENCH_AUDIT_CONCURRENCY ?? 50);
const ROUNDS = Number(process.env.BENCH_AUDIT_ROUNDS ?? 20);
/** What else a transaction does after its append: nothing, or a few milliseconds (a run start's other writes and its call to Temporal). */
const HOLDS_MS = [0, 5];

const record = (n: number): AuditRecord => ({ actor: 'bench', action: 'run.start', subject: `run:${n}`, details: { version: 1, inputs: { n } } });

/**
 * CONCURRENCY transactions at once, each appending one audit row: the append before (a global
 * advisory lock in the caller's transaction, held until it commits) against the lock-free append
 * with the sealer running beside it, on one PostgreSQL, rounds alternating. The baseline writes to
 * a copy of the table without its append-only trigger, since it inserts rows already sealed.
 */
export default async function auditBench(): Promise<void> {
	const bench = await startBenchDatabase({ seedCrm: false });
	const db = createDb(bench.postgres.url('tend'), { max: CONCURRENCY + 5 });
	const sealer = startAuditSealer(db);
	try {
		await db.$client.query('create table bench_audit_locked (like audit_log including defaults including indexes)');
		let n = 0;
		// Both sides on a plain pool client in BEGIN … COMMIT, so only the append differs.
		type Append = (client: pg.PoolClient, entry: AuditRecord) => Promise<void>;
		const round = (append: Append, holdMs: number) => async () => {
			await Promise.all(
				Array.from({ length: CONCURRENCY }, async () => {
					const client = await db.$client.connect();
					try {
						await client.query('begin');
						await append(client, record(n++));
						if (holdMs) await sleep(holdMs);
						await client.query('commit');
					} finally {
						client.release();
					}
				})
			);
		};
		const locked: Append = (client, entry) => lockedAppend(client, 'bench_audit_locked', entry);
		const lockFree: Append = (client, entry) => appendAudit(drizzle(client, { schema }), entry);

		console.log(`\nAudit appends: ${CONCURRENCY} concurrent transactions, one row each, ${ROUNDS} rounds`);
		for (const holdMs of HOLDS_MS) {
			const samples = await compare(ROUNDS, round(locked, holdMs), round(lockFree, holdMs));
			const rate = (values: number[]) => Math.round((CONCURRENCY / median(values)) * 1000);
			console.log(`  holding the transaction ${holdMs} ms after the append:`);
			console.log(`    global lock (before)          median ${median(samples.baseline).toFixed(1)} ms a round, ${rate(samples.baseline)} appends/s`);
			console.log(`    lock-free + sealer (after)    median ${median(samples.candidate).toFixed(1)} ms a round, ${rate(samples.candidate)} appends/s`);
			console.log(`    speed-up ${(median(samples.baseline) / median(samples.candidate)).toFixed(2)}×`);
		}
		const started = performance.now();
		const verdict = await verifyAuditChain(db, { seal: true });
		console.log(`  chain after the runs: ${JSON.stringify(verdict)} (sealed what was left and verified in ${Math.round(performance.now() - started)} ms)`);
	} finally {
		await sealer.stop();
		await db.$client.end();
		await bench.close();
	}
}
