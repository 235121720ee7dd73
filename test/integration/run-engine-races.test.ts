import { randomBytes, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client, Connection, WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, type Db } from '../../db/client.ts';
import { parseConfig } from '../../shared/config.ts';
import { startRunbookRun, TemporalUnavailableError } from '../../shared/run-start.ts';
import { temporalDataConverter } from '../../shared/temporal.ts';
import { decideUpdate, runWorkflowId } from '../../workflows/definitions.ts';
import { eventually, login, loginAsAdmin, runEnded, type ApiClient } from '../helpers/api.ts';
import { adminUrl, withClient } from '../helpers/postgres.ts';
import { startWorker, type TestWorker } from '../helpers/worker.ts';

/**
 * The breaks found by throwing races and outages at a running Tend (issue 11), each on the real
 * stack: a cancel that lands as a run finishes, two approvers deciding at the same instant, Tend's
 * own database going away mid-run, a decision forged through Temporal, a start without Temporal.
 */
interface RunJson {
	id: string;
	status: string;
	steps: Array<{ id: string; status: string; attempts: number }>;
}

const stackEnv = () => JSON.parse(process.env.TEST_STACK_ENV!) as Record<string, string>;
const appDb = () => process.env.TEST_APP_DATABASE_URL!;
/** How long Tend's database stays away in the outage test. */
const OUTAGE_MS = 10_000;
const TEMPORAL_TO_TEND: Record<string, string> = { COMPLETED: 'succeeded', CANCELLED: 'cancelled', FAILED: 'failed' };

describe('the run engine under races and outages', () => {
	let admin: ApiClient;
	let worker: TestWorker;
	let temporal: Client;
	const password = randomBytes(12).toString('base64url');
	const approvers: ApiClient[] = [];

	beforeAll(async () => {
		[admin, worker] = await Promise.all([loginAsAdmin(), startWorker()]);
		// Decodes as web and worker do: refusals come back with their failure messages sealed (worker/failure-converter.cjs).
		temporal = new Client({ connection: await Connection.connect({ address: stackEnv().TEMPORAL_ADDRESS }), dataConverter: temporalDataConverter(parseConfig(stackEnv())) });
		for (const name of ['race-ann', 'race-ben']) {
			const created = await admin.json('POST', '/api/v1/users', { username: name, password, roles: ['approver'] });
			expect([201, 409]).toContain(created.status);
			approvers.push(await login(name, password));
		}
	});
	afterAll(async () => {
		await temporal?.connection.close();
		await worker?.stop();
	});

	async function publish(name: string, spec: object): Promise<void> {
		const published = await admin.json('POST', '/api/v1/runbooks', { apiVersion: 'tend/v1', kind: 'Runbook', metadata: { name, title: name }, spec });
		expect([200, 201], JSON.stringify(published.body)).toContain(published.status);
	}

	async function start(name: string): Promise<string> {
		const started = await admin.json<{ id: string }>('POST', `/api/v1/runbooks/${name}/runs`, { inputs: {} });
		expect(started.status, JSON.stringify(started.body)).toBe(201);
		return started.body.id;
	}

	it('never leaves a run `running` when a cancel lands as it finishes: Tend and Temporal agree on every outcome', async () => {
		await publish('race-cancel', {
			target: 'crm-demo',
			steps: ['one', 'two', 'three'].map((id) => ({ id, uses: 'sql.check', with: { database: 'main', query: 'select true' } }))
		});
		const ids = await Promise.all(
			Array.from({ length: 16 }, async (_, i) => {
				const id = await start('race-cancel');
				// Spread over the run's whole life, ending included.
				await sleep(40 * i + Math.random() * 200);
				const cancel = await admin.request('POST', `/api/v1/runs/${id}/cancel`, { reason: 'race' });
				expect([202, 409]).toContain(cancel.status);
				return id;
			})
		);
		for (const id of ids) {
			const run = await runEnded<RunJson>(admin, id);
			const described = await temporal.workflow.getHandle(runWorkflowId(id)).describe();
			await eventually(`workflow of ${id} to close`, async () => ((await temporal.workflow.getHandle(runWorkflowId(id)).describe()).status.name !== 'RUNNING' ? true : undefined), 30_000);
			const closed = (await temporal.workflow.getHandle(runWorkflowId(id)).describe()).status.name;
			expect(run.status, `run ${id}: Temporal says ${closed} (was ${described.status.name})`).toBe(TEMPORAL_TO_TEND[closed]);
			expect(run.steps.every((s) => ['succeeded', 'cancelled'].includes(s.status)), JSON.stringify(run.steps)).toBe(true);
			// Cancelling again changes nothing: the run has ended.
			expect((await admin.request('POST', `/api/v1/runs/${id}/cancel`)).status).toBe(409);
		}
	});

	it('lets exactly one of two simultaneous decisions complete a quorum-1 approval and tells the other plainly', async () => {
		await publish('race-decide', { steps: [{ id: 'approve', uses: 'approval', with: { approvers: ['role:approver'], quorum: 1 } }, { id: 'after', uses: 'wait', with: { duration: '1s' } }] });
		for (const [i, decisions] of [
			['approve', 'approve'],
			['approve', 'reject'],
			['reject', 'approve'],
			['approve', 'reject'],
			['approve', 'approve'],
			['reject', 'approve']
		].entries()) {
			const id = await start('race-decide');
			await eventually('the approval to wait', async () => ((await admin.json<RunJson>('GET', `/api/v1/runs/${id}`)).body.steps[0]?.status === 'waiting' ? true : undefined), 60_000, 50);
			const answers = await Promise.all(decisions.map((decision, who) => approvers[who].json<{ detail?: string }>('POST', `/api/v1/runs/${id}/steps/approve/decision`, { decision, comment: `try ${i}` })));
			const counted = answers.flatMap((a, who) => (a.status === 200 ? [decisions[who]] : []));
			expect(counted, JSON.stringify(answers)).toHaveLength(1);
			const refused = answers.find((a) => a.status !== 200)!;
			expect(refused.status).toBe(409);
			expect(refused.body.detail).toMatch(/already been decided/);
			const run = await runEnded<RunJson>(admin, id);
			expect(run.status).toBe(counted[0] === 'approve' ? 'succeeded' : 'failed');
			const audit = await withClient(appDb(), async (c) => (await c.query("select action from audit_log where subject = $1 and action like 'run.step.%'", [`run:${id}`])).rows);
			expect(audit).toEqual([{ action: `run.step.${counted[0]}` }]);
		}
	});

	it('refuses a decision sent straight to Temporal with an invented approver, and writes nothing about it', async () => {
		await publish('race-forged', { steps: [{ id: 'approve', uses: 'approval', with: { approvers: ['role:approver'] } }] });
		const id = await start('race-forged');
		await eventually('the approval to wait', async () => ((await admin.json<RunJson>('GET', `/api/v1/runs/${id}`)).body.steps[0]?.status === 'waiting' ? true : undefined), 60_000, 50);
		const handle = temporal.workflow.getHandle(runWorkflowId(id));
		const forge = (proof?: string) =>
			handle.executeUpdate(decideUpdate, { args: [{ stepId: 'approve', decision: 'approve', round: 1, actor: { id: randomUUID(), username: 'mallory', roles: ['approver'] }, ...(proof ? { proof } : {}) }] }).then(
				() => 'accepted',
				(error: unknown) => (error instanceof WorkflowUpdateFailedError && error.cause instanceof ApplicationFailure ? error.cause.type : String(error))
			);
		expect(await forge()).toBe('ForgedAct');
		expect(await forge('A'.repeat(43))).toBe('ForgedAct');
		const audit = await withClient(appDb(), async (c) => (await c.query('select actor from audit_log where subject = $1 and actor = $2', [`run:${id}`, 'mallory'])).rows);
		expect(audit).toEqual([]);
		// The approval still waits for a real approver.
		expect((await approvers[0].json('POST', `/api/v1/runs/${id}/steps/approve/decision`, { decision: 'approve' })).status).toBe(200);
		expect((await runEnded<RunJson>(admin, id)).status).toBe('succeeded');
	});

	it('fails no run when Tend’s own database goes away mid-run: bookkeeping waits, and steps spend no attempt on it', async () => {
		await withClient(process.env.TEST_CRM_DATABASE_URL!, (c) => c.query('create table if not exists tend_outage_probe (run_id text primary key, at timestamptz default now())'));
		await publish('race-outage', {
			target: 'crm-demo',
			steps: [
				{ id: 'pause', uses: 'wait', with: { duration: '2s' } },
				{ id: 'write', uses: 'sql.exec', risk: 'low', retry: { maxAttempts: 1 }, with: { database: 'main', query: 'insert into tend_outage_probe (run_id) values ($1)', params: ['${{ run.id }}'] } }
			]
		});
		const ids = await Promise.all(Array.from({ length: 10 }, () => start('race-outage')));
		// Tend's database refuses every connection (those open are ended); the CRM's, on the same server, stays up.
		// The outage has a length, like the real ones: nothing the runs do can be watched while their bookkeeping waits.
		const outage = { from: Date.now(), to: 0 };
		await withClient(adminUrl(), async (c) => {
			await c.query('alter database tend with allow_connections false');
			await c.query("select pg_terminate_backend(pid) from pg_stat_activity where datname = 'tend' and pid <> pg_backend_pid()");
		});
		try {
			await sleep(OUTAGE_MS);
		} finally {
			await withClient(adminUrl(), (c) => c.query('alter database tend with allow_connections true'));
			outage.to = Date.now();
		}
		for (const id of ids) {
			const run = await runEnded<RunJson & { createdAt: string; finishedAt: string }>(admin, id, 180_000);
			expect(run.status, id).toBe('succeeded');
			expect(run.steps.find((s) => s.id === 'write')?.attempts).toBe(1);
			// In flight across the whole outage: started before it, finished after it.
			expect(Date.parse(run.createdAt), id).toBeLessThan(outage.from);
			expect(Date.parse(run.finishedAt), id).toBeGreaterThan(outage.to);
		}
		const written = await withClient(process.env.TEST_CRM_DATABASE_URL!, async (c) => (await c.query('select run_id from tend_outage_probe where run_id = any($1)', [ids])).rows);
		expect(written).toHaveLength(10);
	});

	it('polls a false sql.check when the author gave it retries, and fails it at once when not', async () => {
		await withClient(process.env.TEST_CRM_DATABASE_URL!, (c) => c.query('create table if not exists tend_poll_probe (run_id text primary key)'));
		const check = (retry?: object) => ({ id: 'caught_up', uses: 'sql.check', needs: [], ...(retry ? { retry } : {}), with: { database: 'main', query: 'select count(*) > 0 from tend_poll_probe where run_id = $1', params: ['${{ run.id }}'] } });
		const spec = (retry?: object) => ({
			target: 'crm-demo',
			steps: [check(retry), { id: 'pause', uses: 'wait', needs: [], with: { duration: '2s' } }, { id: 'arrive', uses: 'sql.exec', risk: 'low', with: { database: 'main', query: 'insert into tend_poll_probe values ($1)', params: ['${{ run.id }}'] } }]
		});
		await publish('race-poll', spec({ maxAttempts: 60, initialInterval: '500ms', backoff: 1 }));
		const polled = await runEnded<RunJson>(admin, await start('race-poll'));
		expect(polled.status).toBe('succeeded');
		expect(polled.steps.find((s) => s.id === 'caught_up')!.attempts).toBeGreaterThan(1);

		await publish('race-poll-once', spec());
		const once = await runEnded<RunJson>(admin, await start('race-poll-once'));
		expect(once.status).toBe('failed');
		expect(once.steps.find((s) => s.id === 'caught_up')).toMatchObject({ status: 'failed', attempts: 1 });
	});

	describe('starting without Temporal', () => {
		let db: Db;
		beforeAll(() => void (db = createDb(appDb(), { max: 2 })));
		afterAll(async () => void (await db?.$client.end()));

		it('answers that Temporal is unavailable and leaves no run behind, only the audit of the attempt', async () => {
			await publish('race-no-temporal', { steps: [{ id: 'wait', uses: 'wait', with: { duration: '1s' } }] });
			const me = (await admin.json<{ id: string }>('GET', '/api/v1/me')).body;
			const offline = new Client({ connection: Connection.lazy({ address: '127.0.0.1:1' }) });
			const attempt = startRunbookRun(
				{ db, workflows: offline.workflow, taskQueue: 'nowhere', withDeadline: (deadline, fn) => offline.withDeadline(deadline, fn) },
				{ runbookName: 'race-no-temporal', inputs: {}, initiator: { id: me.id, username: 'nobody' } }
			);
			await expect(attempt).rejects.toBeInstanceOf(TemporalUnavailableError);
			const rows = await withClient(appDb(), async (c) => ({
				runs: (await c.query("select id from runs where runbook_name = 'race-no-temporal'")).rows,
				audit: (await c.query("select action from audit_log where actor = 'nobody' order by id")).rows.map((r) => r.action)
			}));
			expect(rows).toEqual({ runs: [], audit: ['run.start', 'run.start_failed'] });
		});
	});
});
