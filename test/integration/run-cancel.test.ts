import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, loginAsAdmin, runEnded, type ApiClient } from '../helpers/api.ts';
import { withClient } from '../helpers/postgres.ts';
import { startWorker, type TestWorker } from '../helpers/worker.ts';

interface RunJson {
	status: string;
	steps: Array<{ id: string; status: string }>;
}

describe('cancelling a run through the API', () => {
	let admin: ApiClient;
	let worker: TestWorker;
	beforeAll(async () => {
		[admin, worker] = await Promise.all([loginAsAdmin(), startWorker()]);
	});
	afterAll(async () => {
		await worker?.stop();
	});

	it('stops a running run, ends it cancelled, audits the request and refuses a second cancel', async () => {
		const started = await admin.json<{ id: string }>('POST', '/api/v1/runbooks/crm-nightly-backup/runs', { inputs: {} });
		expect(started.status).toBe(201);
		const id = started.body.id;
		await eventually('the backup step to run', async () => ((await admin.json<RunJson>('GET', `/api/v1/runs/${id}`)).body.steps[0].status === 'running' ? true : undefined), 60_000, 50);

		const cancel = await admin.json<{ status: string }>('POST', `/api/v1/runs/${id}/cancel`, { reason: 'testing cancel' });
		expect(cancel.status).toBe(202);
		const run = await runEnded<RunJson>(admin, id);
		expect(run.status).toBe('cancelled');
		// The steps that never started are cancelled, not left pending.
		expect(run.steps.find((s) => s.id === 'notify')?.status).toBe('cancelled');

		const audit = await withClient(process.env.TEST_APP_DATABASE_URL!, async (c) => (await c.query("select actor, details from audit_log where action = 'run.cancel' and subject = $1", [`run:${id}`])).rows);
		expect(audit).toEqual([{ actor: 'admin', details: { reason: 'testing cancel', actorId: expect.any(String) } }]);
		expect((await admin.request('POST', `/api/v1/runs/${id}/cancel`)).status).toBe(409);
	});

	it('answers an unknown run with 404', async () => {
		expect((await admin.request('POST', '/api/v1/runs/00000000-0000-4000-8000-000000000000/cancel')).status).toBe(404);
	});
});
