import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { withClient } from '../helpers/postgres.ts';
import { pool, publish, startBenchStack, type BenchStack } from './bench-stack.ts';
import { cpuPer, cpuSnapshot } from './cpu.ts';
import { percentile } from './harness.ts';

/**
 * What a durable step costs (issue 16): a runbook of five single-row INSERTs (`sql.exec`, low
 * risk) started through the API, against the floor for "do the work and remember it" — a plain
 * Node script doing the same five INSERTs through a pool and writing one execution record per
 * run. Runs per second, latency from the start request to the fifth row (its own insert time),
 * CPU per run of each process, and PostgreSQL sessions opened per 1,000 SQL steps.
 * `npm run bench throughput`; BENCH_THROUGHPUT_RUNS (200) and BENCH_THROUGHPUT_CONCURRENCY (1,20,50).
 */
const RUNS = Number(process.env.BENCH_THROUGHPUT_RUNS ?? 200);
const CONCURRENCIES = (process.env.BENCH_THROUGHPUT_CONCURRENCY ?? '1,20,50').split(',').map(Number);
const STEPS = 5;

interface Result {
	runsPerSecond: number;
	latencies: number[];
}

const insert = (i: number) => ({ id: `i${i}`, uses: 'sql.exec', risk: 'low', with: { database: 'main', query: 'insert into bench_rows (run_id, step) values ($1, $2)', params: ['${{ run.id }}', i] } });

/** The time each run's fifth row went in, on the benchmark's one connection (its own sessions must not count). */
async function fifthRows(c: pg.ClientBase, runIds: string[]): Promise<Map<string, number>> {
	const { rows } = await c.query<{ run_id: string; at: Date }>('select run_id, max(at) as at from bench_rows where run_id = any($1) group by run_id having count(*) = $2', [runIds, STEPS]);
	return new Map(rows.map((r) => [r.run_id, r.at.getTime()]));
}

async function sessions(c: pg.ClientBase): Promise<number> {
	// Statistics reach pg_stat_database when a backend reports them (at most once a second).
	await new Promise((r) => setTimeout(r, 1500));
	return Number((await c.query("select sessions from pg_stat_database where datname = 'crm_demo'")).rows[0].sessions);
}

/** Resolves each run's promise once its fifth row is in: one query every 50 ms for every run still waiting. */
function fifthRowWatcher(c: pg.ClientBase) {
	const waiting = new Map<string, () => void>();
	let stopped = false;
	const loop = (async () => {
		while (!stopped) {
			if (waiting.size) {
				for (const id of (await fifthRows(c, [...waiting.keys()])).keys()) {
					waiting.get(id)?.();
					waiting.delete(id);
				}
			}
			await new Promise((r) => setTimeout(r, 50));
		}
	})();
	return {
		done: (id: string) => new Promise<void>((resolve) => waiting.set(id, resolve)),
		async stop() {
			stopped = true;
			await loop;
		}
	};
}

async function tend(bench: BenchStack, watch: pg.ClientBase, concurrency: number, runs: number): Promise<Result> {
	const watcher = fifthRowWatcher(watch);
	const sent = new Map<string, number>();
	const started = performance.now();
	try {
		const ids = await pool(runs, concurrency, async () => {
			const at = Date.now();
			const response = await bench.admin.json<{ id: string }>('POST', '/api/v1/runbooks/bench-five-inserts/runs', { inputs: {} });
			if (response.status !== 201) throw new Error(`start answered ${response.status}`);
			sent.set(response.body.id, at);
			// Keep `concurrency` runs in flight: this one's fifth row before another starts.
			await watcher.done(response.body.id);
			return response.body.id;
		});
		const seconds = (performance.now() - started) / 1000;
		const rows = await fifthRows(watch, ids);
		return { runsPerSecond: runs / seconds, latencies: ids.map((id) => rows.get(id)! - sent.get(id)!) };
	} finally {
		await watcher.stop();
	}
}

async function floor(crmUrl: string, appUrl: string, concurrency: number, runs: number): Promise<Result> {
	const target = new pg.Pool({ connectionString: crmUrl, max: concurrency });
	const app = new pg.Pool({ connectionString: appUrl, max: concurrency });
	try {
		const latencies: number[] = [];
		const started = performance.now();
		await pool(runs, concurrency, async () => {
			const runId = randomUUID();
			const at = Date.now();
			for (let i = 0; i < STEPS; i++) await target.query('insert into bench_rows (run_id, step) values ($1, $2)', [runId, i]);
			await app.query('insert into bench_executions (run_id, finished_at) values ($1, now())', [runId]);
			latencies.push(Date.now() - at);
		});
		return { runsPerSecond: runs / ((performance.now() - started) / 1000), latencies };
	} finally {
		await Promise.all([target.end(), app.end()]);
	}
}

export default async function throughputBench(): Promise<void> {
	const bench = await startBenchStack({ worker: true });
	const crmUrl = process.env.TEST_CRM_DATABASE_URL!;
	const appUrl = process.env.TEST_APP_DATABASE_URL!;
	try {
		await withClient(crmUrl, (c) => c.query('create table if not exists bench_rows (run_id text, step int, at timestamptz default clock_timestamp())'));
		await withClient(appUrl, (c) => c.query('create table if not exists bench_executions (run_id text primary key, finished_at timestamptz)'));
		await publish(bench.admin, 'bench-five-inserts', { target: 'crm-demo', steps: Array.from({ length: STEPS }, (_, i) => insert(i)) });
		const watch = new pg.Client({ connectionString: crmUrl });
		await watch.connect();
		// Warm up: the worker's caches, the web build's first requests.
		await tend(bench, watch, 2, 4);
		for (const concurrency of CONCURRENCIES) {
			const runs = concurrency === 1 ? Math.min(RUNS, 30) : RUNS;
			const base = await floor(crmUrl, appUrl, concurrency, runs);
			const sessionsBefore = await sessions(watch);
			const cpuBefore = cpuSnapshot(bench.stack, bench.home);
			const result = await tend(bench, watch, concurrency, runs);
			const cpuAfter = cpuSnapshot(bench.stack, bench.home);
			const opened = (await sessions(watch)) - sessionsBefore;
			console.log(`\nFive-INSERT runbook, ${runs} runs at concurrency ${concurrency}`);
			console.log(`  floor (pool + one record per run)  ${base.runsPerSecond.toFixed(1)} runs/s, p50 ${Math.round(percentile(base.latencies, 50))} ms, p95 ${Math.round(percentile(base.latencies, 95))} ms`);
			console.log(`  Tend                               ${result.runsPerSecond.toFixed(1)} runs/s, p50 ${Math.round(percentile(result.latencies, 50))} ms, p95 ${Math.round(percentile(result.latencies, 95))} ms`);
			console.log(`  ratio (runs/s) ${(result.runsPerSecond / base.runsPerSecond).toFixed(3)}  (goal ≥ 0.5)${concurrency === 1 ? `; p50 alone ${Math.round(percentile(result.latencies, 50))} ms (goal ≤ 400 ms)` : ''}`);
			console.log(`  CPU ms per run: ${cpuPer(cpuBefore, cpuAfter, runs)}`);
			console.log(`  crm_demo sessions opened per 1,000 SQL steps: ${((opened / (runs * STEPS)) * 1000).toFixed(1)}  (goal ≤ 10)`);
		}
		await watch.end();
	} finally {
		await bench.close();
	}
}
