import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client, Connection } from '@temporalio/client';
import pg from 'pg';
import { RUN_CHANNEL } from '../../activities/run-channel.ts';
import { isRunFinished } from '../../runbooks/run-model.ts';
import { runbookSchema } from '../../runbooks/schema.ts';
import { runWorkflowId, type RunbookRunInput } from '../../workflows/definitions.ts';
import { eventually, runEnded } from '../helpers/api.ts';
import { launchBrowser, signIn } from '../helpers/browser.ts';
import { withClient } from '../helpers/postgres.ts';
import { pool, publish, startBenchStack, type BenchStack } from './bench-stack.ts';
import { cpuPer, cpuSnapshot } from './cpu.ts';
import { percentile } from './harness.ts';

/**
 * The run engine as users meet it (issue 11), each figure beside a baseline measured in the same
 * run: run starts against bare `client.workflow.start`, the run list under that load against idle,
 * the live run page (step change → on screen; database reads per change with 1 and 100 viewers),
 * a cancel at a random moment of 200 runs, and Tend's own database away for 30 s under 50 runs.
 * `npm run bench engine`; BENCH_ENGINE_STARTS, BENCH_ENGINE_CANCELS and BENCH_ENGINE_OUTAGE_RUNS scale it.
 */
const STARTS = Number(process.env.BENCH_ENGINE_STARTS ?? 500);
const CANCELS = Number(process.env.BENCH_ENGINE_CANCELS ?? 200);
const OUTAGE_RUNS = Number(process.env.BENCH_ENGINE_OUTAGE_RUNS ?? 50);

const ms = (value: number) => `${Math.round(value)} ms`;

async function timed<T>(work: () => Promise<T>): Promise<{ value: T; ms: number }> {
	const started = performance.now();
	const value = await work();
	return { value, ms: performance.now() - started };
}

async function startsBench(bench: BenchStack, temporal: Client): Promise<void> {
	const { admin, stack } = bench;
	await publish(admin, 'bench-start', { steps: [{ id: 'pause', uses: 'wait', with: { duration: '1s' } }] });
	const document = runbookSchema.parse({ apiVersion: 'tend/v1', kind: 'Runbook', metadata: { name: 'bench-start', title: 'bench-start' }, spec: { steps: [{ id: 'pause', uses: 'wait', with: { duration: '1s' } }] } });
	const listOnce = async () => (await timed(() => admin.json('GET', '/api/v1/runs?limit=50'))).ms;

	// Idle list latency first, then the bare starts, then Tend's starts with the list read beside them.
	const idle = await pool(100, 1, listOnce);
	const bareCpuBefore = cpuSnapshot(stack, bench.home);
	const bare = await timed(() =>
		pool(STARTS, 50, async () => {
			const runId = randomUUID();
			const input: RunbookRunInput = { runId, runbook: { name: 'bench-start', version: 1 }, document, inputs: {}, target: null, initiator: { id: runId, username: 'bench' } };
			return (await timed(() => temporal.workflow.start('runbookRun', { taskQueue: `bench-bare-${stack.env.TEND_TASK_QUEUE}`, workflowId: runWorkflowId(runId), args: [input] }))).ms;
		})
	);
	const bareCpuAfter = cpuSnapshot(stack, bench.home);
	const cpuBefore = cpuSnapshot(stack, bench.home);
	let loading = true;
	const underLoad: number[] = [];
	const reader = (async () => {
		while (loading) underLoad.push(await listOnce());
	})();
	const tend = await timed(() =>
		pool(STARTS, 50, async () => {
			const { value, ms: took } = await timed(() => admin.json('POST', '/api/v1/runbooks/bench-start/runs', { inputs: {} }));
			if (value.status !== 201) throw new Error(`start answered ${value.status}: ${JSON.stringify(value.body)}`);
			return took;
		})
	);
	loading = false;
	await reader;
	const cpuAfter = cpuSnapshot(stack, bench.home);
	const bareRate = STARTS / (bare.ms / 1000);
	const tendRate = STARTS / (tend.ms / 1000);
	console.log(`\nRun starts: ${STARTS} at concurrency 50`);
	console.log(`  bare client.workflow.start        ${bareRate.toFixed(1)} starts/s, p50 ${ms(percentile(bare.value, 50))}, p95 ${ms(percentile(bare.value, 95))}`);
	console.log(`  Tend POST /runbooks/{name}/runs   ${tendRate.toFixed(1)} starts/s, p50 ${ms(percentile(tend.value, 50))}, p95 ${ms(percentile(tend.value, 95))}`);
	console.log(`  ratio (rate) ${(tendRate / bareRate).toFixed(3)}  (goal ≥ 0.8)`);
	console.log(`  CPU ms per bare start: ${cpuPer(bareCpuBefore, bareCpuAfter, STARTS)}`);
	console.log(`  CPU ms per Tend start (list reads beside them included): ${cpuPer(cpuBefore, cpuAfter, STARTS)}`);
	console.log(`GET /api/v1/runs: idle p95 ${ms(percentile(idle, 95))} (${idle.length} reads), during the starts p95 ${ms(percentile(underLoad, 95))} (${underLoad.length} reads)`);
	console.log(`  ratio ${(percentile(underLoad, 95) / percentile(idle, 95)).toFixed(3)}  (goal ≤ 2)`);
}

/** Counts run_steps reads and writes (index and sequential scans) as PostgreSQL's statistics see them. */
async function runStepsScans(): Promise<number> {
	await sleep(1500); // statistics are flushed at most once a second
	return withClient(process.env.TEST_APP_DATABASE_URL!, async (c) => {
		const { rows } = await c.query<{ n: string }>("select coalesce(seq_scan, 0) + coalesce(idx_scan, 0) as n from pg_stat_user_tables where relname = 'run_steps'");
		return Number(rows[0].n);
	});
}

/** Everything the ledger NOTIFYs, with the time each arrived. */
async function listen(): Promise<{ seen: Array<{ runId: string; at: number }>; close(): Promise<void> }> {
	const client = new pg.Client({ connectionString: process.env.TEST_APP_DATABASE_URL });
	await client.connect();
	const seen: Array<{ runId: string; at: number }> = [];
	client.on('notification', (message) => seen.push({ runId: message.payload ?? '', at: Date.now() }));
	await client.query(`listen ${RUN_CHANNEL}`);
	return { seen, close: () => client.end() };
}

async function liveBench(bench: BenchStack): Promise<void> {
	const { admin } = bench;
	const steps = Array.from({ length: 12 }, (_, i) => ({ id: `s${i}`, uses: 'wait', with: { duration: '400ms' } }));
	await publish(admin, 'bench-live', { steps });
	const notices = await listen();
	const browser = await launchBrowser();
	try {
		// Step change → visible: the browser notes when each step's status attribute changes; the change's NOTIFY is its commit.
		const page = await browser.newPage();
		await signIn(page, 'admin', process.env.TEST_ADMIN_PASSWORD!);
		const latencies: number[] = [];
		for (let round = 0; round < 4; round++) {
			const id = (await admin.json<{ id: string }>('POST', '/api/v1/runbooks/bench-live/runs', { inputs: {} })).body.id;
			await page.goto(`${admin.baseUrl}/runs/${id}`);
			await page.evaluate(() => {
				const seen: Array<{ key: string; at: number }> = [];
				(window as unknown as { seen: typeof seen }).seen = seen;
				new MutationObserver((records) => {
					for (const r of records) {
						const el = r.target as Element;
						if (r.attributeName === 'data-status' && el.hasAttribute('data-step-id')) seen.push({ key: `${el.getAttribute('data-step-id')}:${el.getAttribute('data-status')}`, at: Date.now() });
					}
				}).observe(document.body, { attributes: true, subtree: true, attributeFilter: ['data-status'] });
			});
			await runEnded(admin, id);
			await page.locator('[data-run-status="succeeded"]').waitFor();
			const seen = await page.evaluate(() => (window as unknown as { seen: Array<{ key: string; at: number }> }).seen);
			const commits = notices.seen.filter((n) => n.runId === id).map((n) => n.at);
			for (const change of seen) {
				const commit = commits.filter((at) => at <= change.at).at(-1);
				if (commit !== undefined) latencies.push(change.at - commit);
			}
		}
		console.log(`\nLive run page: step change committed → visible in Chromium, ${latencies.length} changes`);
		console.log(`  p50 ${ms(percentile(latencies, 50))}, p95 ${ms(percentile(latencies, 95))}  (goal p95 ≤ 200 ms)`);

		// Reads per change: the same run watched by 1, then by 100 open streams.
		const perChange = async (viewers: number) => {
			// A run that waits for a person first, so every stream is open and has its first view before the changes start.
			const id = (await admin.json<{ id: string }>('POST', '/api/v1/runbooks/bench-live-gated/runs', { inputs: {} })).body.id;
			await eventually('the checklist to wait', async () => ((await admin.json<{ steps: Array<{ status: string }> }>('GET', `/api/v1/runs/${id}`)).body.steps[0]?.status === 'waiting' ? true : undefined));
			const streams = await Promise.all(
				Array.from({ length: viewers }, async () => {
					const response = await admin.request('GET', `/api/v1/runs/${id}/events`);
					const reader = response.body!.getReader();
					await reader.read();
					return (async () => {
						while (!(await reader.read()).done);
					})();
				})
			);
			const before = await runStepsScans();
			const notifiedBefore = notices.seen.filter((n) => n.runId === id).length;
			const tick = await admin.json('POST', `/api/v1/runs/${id}/steps/go/checklist`, { items: [0] });
			if (tick.status !== 200) throw new Error(`tick answered ${tick.status}: ${JSON.stringify(tick.body)}`);
			await runEnded(admin, id);
			await Promise.all(streams);
			const after = await runStepsScans();
			return { scans: after - before, changes: notices.seen.filter((n) => n.runId === id).length - notifiedBefore };
		};
		await publish(admin, 'bench-live-gated', { steps: [{ id: 'go', uses: 'manual', with: { checklist: ['go'], assignees: ['role:admin'] } }, ...steps] });
		const one = await perChange(1);
		const ten = await perChange(10);
		const hundred = await perChange(100);
		console.log(`Live stream: run_steps scans per change (the ledger's own writes included)`);
		console.log(`  1 viewer     ${(one.scans / one.changes).toFixed(2)} (${one.scans} over ${one.changes} changes)`);
		console.log(`  10 viewers   ${(ten.scans / ten.changes).toFixed(2)} (${ten.scans} over ${ten.changes} changes)`);
		console.log(`  100 viewers  ${(hundred.scans / hundred.changes).toFixed(2)} (${hundred.scans} over ${hundred.changes} changes)`);
		console.log(`  ratio ${(hundred.scans / hundred.changes / (one.scans / one.changes)).toFixed(3)}  (goal: O(1), not O(viewers))`);
	} finally {
		await browser.close();
		await notices.close();
	}
}

async function cancelBench(bench: BenchStack, temporal: Client): Promise<void> {
	const { admin } = bench;
	await publish(admin, 'bench-cancel', { target: 'crm-demo', steps: ['one', 'two', 'three'].map((id) => ({ id, uses: 'sql.check', with: { database: 'main', query: 'select true' } })) });
	const ids = await pool(CANCELS, 20, async () => {
		const id = (await admin.json<{ id: string }>('POST', '/api/v1/runbooks/bench-cancel/runs', { inputs: {} })).body.id;
		await sleep(Math.random() * 1500);
		await admin.request('POST', `/api/v1/runs/${id}/cancel`, { reason: 'bench' });
		return id;
	});
	const outcomes = await pool(ids.length, 20, async (i) => {
		const run = await runEnded<{ status: string }>(admin, ids[i], 300_000).catch(() => ({ status: 'running' }));
		const closed = (await temporal.workflow.getHandle(runWorkflowId(ids[i])).describe()).status.name;
		return { status: run.status, closed };
	});
	const open = outcomes.filter((o) => !isRunFinished(o.status)).length;
	const agree = { COMPLETED: 'succeeded', CANCELLED: 'cancelled', FAILED: 'failed' } as Record<string, string>;
	const disagree = outcomes.filter((o) => agree[o.closed] !== o.status).length;
	const counts = new Map<string, number>();
	for (const o of outcomes) counts.set(o.status, (counts.get(o.status) ?? 0) + 1);
	const byStatus = [...counts].map(([s, n]) => `${s} ${n}`).join(', ');
	console.log(`\nCancel race: ${CANCELS} runs of 3 steps, each cancelled 0–1.5 s after its start`);
	console.log(`  ended: ${byStatus}; left running: ${open} (goal 0); Tend and Temporal disagree on ${disagree}`);
}

async function outageBench(bench: BenchStack): Promise<void> {
	const { admin } = bench;
	await withClient(process.env.TEST_CRM_DATABASE_URL!, (c) => c.query('create table if not exists bench_outage_probe (run_id text primary key)'));
	await publish(admin, 'bench-outage', {
		target: 'crm-demo',
		steps: [
			{ id: 'before', uses: 'sql.check', with: { database: 'main', query: 'select true' } },
			{ id: 'pause', uses: 'wait', with: { duration: '5s' } },
			{ id: 'write', uses: 'sql.exec', risk: 'low', with: { database: 'main', query: 'insert into bench_outage_probe values ($1)', params: ['${{ run.id }}'] } },
			{ id: 'after', uses: 'sql.check', with: { database: 'main', query: 'select true' } }
		]
	});
	const ids = await pool(OUTAGE_RUNS, 10, async () => (await admin.json<{ id: string }>('POST', '/api/v1/runbooks/bench-outage/runs', { inputs: {} })).body.id);
	const adminUrl = process.env.TEST_PG_ADMIN_URL!;
	await withClient(adminUrl, async (c) => {
		await c.query('alter database tend with allow_connections false');
		await c.query("select pg_terminate_backend(pid) from pg_stat_activity where datname = 'tend' and pid <> pg_backend_pid()");
	});
	await sleep(30_000);
	await withClient(adminUrl, (c) => c.query('alter database tend with allow_connections true'));
	const outcomes = await pool(ids.length, 10, async (i) => (await runEnded<{ status: string }>(admin, ids[i], 600_000)).status);
	const written = await withClient(process.env.TEST_CRM_DATABASE_URL!, async (c) => Number((await c.query('select count(*) from bench_outage_probe where run_id = any($1)', [ids])).rows[0].count));
	console.log(`\nTend's own database away for 30 s under ${OUTAGE_RUNS} runs in flight`);
	console.log(`  failed runs: ${outcomes.filter((s) => s !== 'succeeded').length} (goal 0); rows written ${written} of ${OUTAGE_RUNS}, each once`);
}

export default async function engineBench(): Promise<void> {
	const parts = (process.env.BENCH_ENGINE_PARTS ?? 'starts,live,cancel,outage').split(',');
	if (parts.includes('starts')) {
		// Starts are measured without a worker: only the start path is timed, not the runs' work.
		const bench = await startBenchStack({ worker: false });
		const temporal = new Client({ connection: await Connection.connect({ address: bench.stack.env.TEMPORAL_ADDRESS }) });
		try {
			await startsBench(bench, temporal);
		} finally {
			await temporal.connection.close();
			await bench.close();
		}
	}
	if (!parts.some((p) => ['live', 'cancel', 'outage'].includes(p))) return;
	const bench = await startBenchStack({ worker: true });
	const temporal = new Client({ connection: await Connection.connect({ address: bench.stack.env.TEMPORAL_ADDRESS }) });
	try {
		await eventually('the worker to take runs', async () => ((await bench.admin.json('GET', '/api/v1/me')).status === 200 ? true : undefined));
		if (parts.includes('live')) await liveBench(bench);
		if (parts.includes('cancel')) await cancelBench(bench, temporal);
		if (parts.includes('outage')) await outageBench(bench);
	} finally {
		await temporal.connection.close();
		await bench.close();
	}
}
