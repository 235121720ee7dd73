import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, loginAsAdmin, runEnded, type ApiClient } from '../helpers/api.ts';
import { withClient } from '../helpers/postgres.ts';
import { startWorker, type TestWorker } from '../helpers/worker.ts';

/**
 * Short steps run as local activities on the run's own worker (issue 16). A worker SIGKILLed in the
 * middle of them must lose nothing and repeat no INSERT: every run ends with exactly its five rows.
 */
const crmUrl = () => process.env.TEST_CRM_DATABASE_URL!;

describe('short steps on the run’s own worker survive a SIGKILL', () => {
	let admin: ApiClient;
	const workers: TestWorker[] = [];
	beforeAll(async () => {
		admin = await loginAsAdmin();
		await withClient(crmUrl(), (c) => c.query('create table if not exists tend_kill_probe (run_id text not null, step int not null)'));
	});
	afterAll(async () => {
		for (const worker of workers) await worker.stop();
	});

	it('finishes every run with exactly five rows after the worker is killed mid-run', async () => {
		const steps = Array.from({ length: 5 }, (_, i) => ({
			id: `insert${i}`,
			uses: 'sql.exec',
			risk: 'low',
			// A third of a second per INSERT: the kill lands while statements are in flight.
			with: { database: 'main', query: 'insert into tend_kill_probe select $1, $2 from pg_sleep(0.3)', params: ['${{ run.id }}', i] }
		}));
		const published = await admin.json('POST', '/api/v1/runbooks', { apiVersion: 'tend/v1', kind: 'Runbook', metadata: { name: 'kill-local-steps', title: 'kill' }, spec: { target: 'crm-demo', steps } });
		expect([200, 201]).toContain(published.status);
		workers.push(await startWorker());
		const ids: string[] = [];
		for (let i = 0; i < 8; i++) ids.push((await admin.json<{ id: string }>('POST', '/api/v1/runbooks/kill-local-steps/runs', { inputs: {} })).body.id);
		const written = () => withClient(crmUrl(), async (c) => Number((await c.query('select count(*) from tend_kill_probe where run_id = any($1)', [ids])).rows[0].count));
		await eventually('the runs to be half way', async () => ((await written()) >= 12 ? true : undefined), 120_000, 50);
		await workers[0].kill();
		workers.push(await startWorker());
		for (const id of ids) expect((await runEnded<{ status: string }>(admin, id)).status, id).toBe('succeeded');
		const rows = await withClient(crmUrl(), async (c) => (await c.query('select run_id, step, count(*)::int as n from tend_kill_probe where run_id = any($1) group by run_id, step', [ids])).rows);
		expect(rows).toHaveLength(8 * 5);
		expect(rows.every((r) => r.n === 1)).toBe(true);
	});
});
