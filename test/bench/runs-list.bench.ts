import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort } from '../../dev/ports.ts';
import { startStack } from '../../dev/stack.ts';
import { insertRunRows } from '../helpers/run-rows.ts';
import { compare, percentile } from './harness.ts';

const RUNS = Number(process.env.BENCH_RUNS ?? 100_000);
const ROUNDS = Number(process.env.BENCH_RUNS_ROUNDS ?? 30);
const INITIATORS = ['admin', 'alice', 'bo', 'chen', 'dana', 'eve', 'farid', 'schedule:nightly'];
const TARGETS = ['crm-demo', 'billing', 'warehouse', 'search', 'hr', null];

/**
 * GET /runs (the HTML page, signed in) at RUNS runs, under each filter the page offers and on deep
 * pages, against a static file from the same server: the ratio says how much work a page view
 * costs beyond serving any request at all. Each filter's query plan is printed too: every one must
 * walk an ordered index, never sort or count the table.
 */
export default async function runsListBench(): Promise<void> {
	const home = mkdtempSync(join(tmpdir(), 'tend-bench-runs-'));
	chmodSync(home, 0o755);
	const adminPassword = randomBytes(12).toString('base64url');
	const ports = { web: await freePort(), postgres: await freePort(), temporal: await freePort(), temporalUi: await freePort(), temporalHttp: await freePort(), smtp: await freePort() };
	const stack = await startStack({ home, ports, adminPassword, worker: false, builtInSchedules: false, crmSeed: { customers: 100, logRows: 1000 }, log: () => {} });
	const db = new pg.Pool({ connectionString: stack.env.DATABASE_URL, max: 2 });
	try {
		const seeded = performance.now();
		// A year of runs in batches, so no one statement holds everything in memory.
		const year = 365 * 86_400_000;
		for (let done = 0; done < RUNS; done += 20_000) {
			const count = Math.min(20_000, RUNS - done);
			const from = new Date(Date.now() - year + (done / RUNS) * year);
			await insertRunRows(db, { count, initiators: INITIATORS, targets: TARGETS, from, to: new Date(from.getTime() + (count / RUNS) * year) });
		}
		await db.query('analyze runs');
		console.log(`\nRun list at ${RUNS.toLocaleString('en')} runs (seeded in ${((performance.now() - seeded) / 1000).toFixed(1)} s)`);

		const login = await fetch(`${stack.webUrl}/api/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json', origin: stack.webUrl }, body: JSON.stringify({ username: 'admin', password: adminPassword }) });
		const cookie = login.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
		const get = async (path: string) => {
			const response = await fetch(`${stack.webUrl}${path}`, { headers: { cookie } });
			if (response.status !== 200) throw new Error(`GET ${path} answered ${response.status}`);
			await response.arrayBuffer();
		};

		const one = async (query: string, params: unknown[] = []) => (await db.query(query, params)).rows[0];
		const runbook = (await one('select runbook_name as v from runs group by 1 order by count(*) desc limit 1')).v as string;
		const rareRunbook = (await one('select runbook_name as v from runs group by 1 order by count(*) limit 1')).v as string;
		const deep = (await one('select id as v from runs order by created_at desc, id desc offset 50000 limit 1')).v as string;
		const deepFailed = (await one("select id as v from runs where status = 'failed' order by created_at desc, id desc offset 8000 limit 1")).v as string;
		const month = new Date(Date.now() - 200 * 86_400_000).toISOString().slice(0, 10);
		const monthEnd = new Date(Date.now() - 170 * 86_400_000).toISOString().slice(0, 10);

		const cases: Array<[string, string]> = [
			['no filter', '/runs'],
			['status', '/runs?status=failed'],
			['runbook', `/runs?runbook=${runbook}`],
			['initiator', '/runs?initiator=alice'],
			['target', '/runs?target=billing'],
			['runbook + rare status', `/runs?runbook=${rareRunbook}&status=rollback_incomplete`],
			['status + initiator + target', '/runs?status=cancelled&initiator=bo&target=hr'],
			['one month (Europe/Berlin)', `/runs?from=${month}&to=${monthEnd}&tz=Europe/Berlin`],
			['status + month', `/runs?status=succeeded&from=${month}&to=${monthEnd}&tz=Europe/Berlin`],
			['deep page (50,000 back)', `/runs?before=${deep}`],
			['deep page, status', `/runs?status=failed&before=${deepFailed}`],
			['back a page (after=)', `/runs?after=${deep}`],
			['50 per page', '/runs?size=50&initiator=chen']
		];
		for (const [, path] of cases) await get(path);
		await get('/favicon.svg');

		console.log(`  ${'GET /runs with'.padEnd(30)} ${'p50'.padStart(7)} ${'p95'.padStart(7)}   static p50/p95   ratio p50`);
		for (const [label, path] of cases) {
			const samples = await compare(ROUNDS, () => get('/favicon.svg'), () => get(path));
			const [p50, p95] = [percentile(samples.candidate, 50), percentile(samples.candidate, 95)];
			const [b50, b95] = [percentile(samples.baseline, 50), percentile(samples.baseline, 95)];
			console.log(`  ${label.padEnd(30)} ${p50.toFixed(1).padStart(5)} ms ${p95.toFixed(1).padStart(5)} ms   ${b50.toFixed(1)}/${b95.toFixed(1)} ms   ${(p50 / b50).toFixed(1)}×`);
		}

		// The plans of the list's own query under each filter (the same SQL drizzle sends).
		const list = (where: string) => `select id from runs where ${where || 'true'} order by created_at desc, id desc limit 26`;
		const cursor = (id: string) => `(created_at, id) < (select c.created_at, c.id from runs c where c.id = '${id}')`;
		const plans: Array<[string, string]> = [
			['no filter', list('')],
			['status', list("status = 'failed'")],
			['runbook', list(`runbook_name = '${runbook}'`)],
			['initiator', list("initiator = 'alice'")],
			['target', list("target = 'billing'")],
			['runbook + rare status', list(`runbook_name = '${rareRunbook}' and status = 'rollback_incomplete'`)],
			['status + initiator + target', list("status = 'cancelled' and initiator = 'bo' and target = 'hr'")],
			['dates', list(`created_at >= '${month}' and created_at < '${monthEnd}'`)],
			['deep page', list(cursor(deep))],
			['deep page, status', list(`status = 'failed' and ${cursor(deepFailed)}`)]
		];
		console.log('\n  Query plans (EXPLAIN ANALYZE):');
		for (const [label, query] of plans) {
			const rows = (await db.query<{ 'QUERY PLAN': string }>(`explain (analyze, buffers) ${query}`)).rows.map((r) => r['QUERY PLAN']);
			const scans = rows.filter((r) => /Scan|Sort/.test(r)).map((r) => r.trim().replace(/\s+\(cost=.*$/, ''));
			const time = rows.find((r) => r.startsWith('Execution Time'));
			console.log(`  ${label.padEnd(30)} ${time}  ${scans.join(' → ')}`);
		}
	} finally {
		await db.end();
		await stack.stop();
		rmSync(home, { recursive: true, force: true });
	}
}

