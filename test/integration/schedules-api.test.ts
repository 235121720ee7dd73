import { randomBytes } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunView } from '../../web/src/lib/run-types.ts';
import type { ScheduleView } from '../../web/src/lib/server/schedules.ts';
import { createDb, type Db } from '../../db/client.ts';
import { scheduledRunId, startRunbookRun } from '../../shared/run-start.ts';
import { eventually, login, loginAsAdmin, runEnded, type ApiClient } from '../helpers/api.ts';
import { withClient } from '../helpers/postgres.ts';
import { startWorker, type TestWorker } from '../helpers/worker.ts';

const RUNBOOK = 'scheduled-hello';
const SOURCE = `apiVersion: tend/v1
kind: Runbook
metadata: { name: ${RUNBOOK}, title: Scheduled hello }
spec:
  inputs:
    greeting: { type: string, required: true }
  steps:
    - id: tell
      uses: notify
      with: { to: [ops@example.test], subject: "\${{ inputs.greeting }} from a schedule" }
`;

type ScheduleJson = ScheduleView;
interface Problem {
	errors?: Array<{ path: string; message: string }>;
}
type RunJson = RunView;

const appDb = <T>(query: string, params: unknown[]) => withClient(process.env.TEST_APP_DATABASE_URL!, async (c) => (await c.query(query, params)).rows as T[]);

describe('schedules on Temporal Schedules, each firing a real run', () => {
	let admin: ApiClient;
	let viewer: ApiClient;
	let worker: TestWorker;
	let version: number;

	beforeAll(async () => {
		[admin, worker] = await Promise.all([loginAsAdmin(), startWorker()]);
		const published = await admin.send('POST', '/api/v1/runbooks', SOURCE, 'application/yaml');
		expect(published.status).toBe(201);
		version = ((await published.json()) as { version: number }).version;
		const password = randomBytes(12).toString('base64url');
		expect((await admin.json('POST', '/api/v1/users', { username: 'vic', password, roles: ['viewer'], email: 'vic@example.test' })).status).toBe(201);
		viewer = await login('vic', password);
	});
	afterAll(async () => {
		await worker?.stop();
	});

	const create = (as: ApiClient, body: Record<string, unknown>) => as.json<ScheduleJson & Problem>('POST', '/api/v1/schedules', body);
	const errorPaths = (problem: Problem) => problem.errors?.map((e) => e.path);

	it('refuses what cannot be scheduled, naming the field', async () => {
		expect(errorPaths((await create(admin, { runbook: RUNBOOK, every: '1h' })).body)).toEqual(['inputs.greeting']);
		expect(errorPaths((await create(admin, { runbook: RUNBOOK, every: '1h', inputs: { greeting: 'hi', extra: 1 } })).body)).toEqual(['inputs.extra']);
		expect(errorPaths((await create(admin, { runbook: 'no-such-runbook', every: '1h' })).body)).toEqual(['runbook']);
		expect(errorPaths((await create(admin, { runbook: RUNBOOK, inputs: { greeting: 'hi' } })).body)).toEqual(['cron']);
		expect(errorPaths((await create(admin, { runbook: RUNBOOK, cron: '0 2 * * *', every: '1h', inputs: { greeting: 'hi' } })).body)).toEqual(['every']);
		expect(errorPaths((await create(admin, { runbook: RUNBOOK, every: '10s', timezone: 'Mars/Olympus', inputs: { greeting: 'hi' } })).body)?.sort()).toEqual(['every', 'timezone']);
		const outOfRange = await create(admin, { runbook: RUNBOOK, cron: '75 2 * * *', inputs: { greeting: 'hi' } });
		expect(outOfRange.status).toBe(422);
		expect(errorPaths(outOfRange.body)).toEqual(['cron']);
		expect((await create(viewer, { runbook: RUNBOOK, every: '1h', inputs: { greeting: 'hi' } })).status).toBe(403);
	});

	it('creates a paused schedule, runs it now as its creator, pauses and resumes it, and deletes it', async () => {
		const created = await create(admin, { runbook: RUNBOOK, every: '1h', paused: true, note: 'until the release', inputs: { greeting: 'Good morning' } });
		expect(created.status).toBe(201);
		const id = created.body.id;
		expect(id).toMatch(new RegExp(`^sched-${RUNBOOK}-[0-9a-f]{6}$`));
		expect(created.body).toEqual({ id, runbook: RUNBOOK, spec: { every: '1h', timezone: 'UTC' }, inputs: { greeting: 'Good morning' }, paused: true, note: 'until the release', nextRuns: [], recentRuns: [], createdBy: 'admin' });
		expect(await appDb('select actor from audit_log where action = $1 and subject = $2', ['schedule.create', `schedule:${id}`])).toEqual([{ actor: 'admin' }]);

		// A viewer reads schedules but may not fire one.
		expect((await viewer.json<ScheduleJson>('GET', `/api/v1/schedules/${id}`)).body.paused).toBe(true);
		expect((await viewer.request('POST', `/api/v1/schedules/${id}/trigger`)).status).toBe(403);
		await eventually('the schedule in the list', async () => (await viewer.json<{ schedules: ScheduleJson[] }>('GET', '/api/v1/schedules')).body.schedules.find((s) => s.id === id));

		expect((await admin.request('POST', `/api/v1/schedules/${id}/trigger`)).status).toBe(202);
		const fired = await eventually('the firing to start a run', async () => (await admin.json<ScheduleJson>('GET', `/api/v1/schedules/${id}`)).body.recentRuns.find((r) => r.runId));
		const run = await runEnded<RunJson>(admin, fired.runId!);
		expect(run).toMatchObject({ runbook: RUNBOOK, version, status: 'succeeded', initiator: 'admin', inputs: { greeting: 'Good morning' } });
		expect((await admin.json<{ runs: Array<{ id: string }> }>('GET', '/api/v1/runs')).body.runs.map((r) => r.id)).toContain(run.id);
		const [audit] = await appDb<{ actor: string; details: { schedule: string; version: number } }>('select actor, details from audit_log where action = $1 and subject = $2', ['run.start', `run:${run.id}`]);
		expect(audit).toMatchObject({ actor: 'admin', details: { schedule: id, version } });
		await eventually('the notification in the mail sink', async () => (await appDb('select 1 from mail_sink where subject = $1', ['Good morning from a schedule']))[0]);

		const resumed = await admin.json<ScheduleJson>('POST', `/api/v1/schedules/${id}/pause`, { paused: false });
		expect(resumed.body).toMatchObject({ paused: false, note: 'resumed by admin' });
		expect(resumed.body.nextRuns.length).toBeGreaterThan(0);
		expect(new Date(resumed.body.nextRuns[0]).getTime()).toBeGreaterThan(Date.now());
		expect((await admin.json<ScheduleJson>('POST', `/api/v1/schedules/${id}/pause`, { paused: true, note: 'freeze week' })).body).toMatchObject({ paused: true, note: 'freeze week' });
		expect((await admin.json<ScheduleJson>('GET', `/api/v1/schedules/${id}`)).body).toMatchObject({ paused: true, note: 'freeze week', nextRuns: [] });

		expect((await admin.request('DELETE', `/api/v1/schedules/${id}`)).status).toBe(204);
		expect((await admin.request('GET', `/api/v1/schedules/${id}`)).status).toBe(404);
		expect((await appDb<{ action: string }>('select action from audit_log where subject = $1 order by id', [`schedule:${id}`])).map((r) => r.action)).toEqual([
			'schedule.create',
			'schedule.trigger',
			'schedule.resume',
			'schedule.pause',
			'schedule.delete'
		]);
	});

	it('keeps a cron schedule as written', async () => {
		const created = await create(admin, { runbook: RUNBOOK, cron: '0 2 * * *', timezone: 'Europe/Berlin', inputs: { greeting: 'night' } });
		expect(created.body).toMatchObject({ spec: { cron: '0 2 * * *', timezone: 'Europe/Berlin' }, paused: false });
		const next = new Date(created.body.nextRuns[0]);
		expect(new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Berlin', hour: '2-digit', minute: '2-digit' }).format(next)).toBe('02:00');
		expect((await admin.request('DELETE', `/api/v1/schedules/${created.body.id}`)).status).toBe(204);
	});

	describe('starting a run with a chosen id (what a retried firing does)', () => {
		let db: Db;
		let connection: Connection;

		beforeAll(async () => {
			const env = JSON.parse(process.env.TEST_STACK_ENV!) as Record<string, string>;
			db = createDb(env.DATABASE_URL, { max: 2 });
			connection = await Connection.connect({ address: env.TEMPORAL_ADDRESS });
		});
		afterAll(async () => {
			await connection?.close();
			await db?.$client.end();
		});

		it('starts one run however often it is asked', async () => {
			const client = new Client({ connection });
			const id = scheduledRunId(`sched-${RUNBOOK}-test-workflow-${randomBytes(4).toString('hex')}`);
			const [user] = await appDb<{ id: string }>('select id from users where username = $1', ['admin']);
			const request = { id, runbookName: RUNBOOK, inputs: { greeting: 'once' }, initiator: { id: user.id, username: 'admin' } };
			const deps = { db, workflows: client.workflow, taskQueue: JSON.parse(process.env.TEST_STACK_ENV!).TEND_TASK_QUEUE ?? 'tend-runbooks' };
			expect(await startRunbookRun(deps, request)).toEqual({ id, created: true });
			expect(await startRunbookRun(deps, request)).toEqual({ id, created: false });
			expect(await appDb('select id from runs where id = $1', [id])).toHaveLength(1);
			expect((await runEnded<RunJson>(admin, id)).status).toBe('succeeded');
		});
	});
});
