import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDrillActivities, tableStates } from '../../activities/drills.ts';
import { drillRuns, targets } from '../../db/schema/index.ts';
import type { DrillRunView } from '../../web/src/lib/server/drills.ts';
import { eventually, loginAsAdmin, runEnded, type ApiClient } from '../helpers/api.ts';
import { createPerson, uniqueName, type Person } from '../helpers/people.ts';
import { withClient } from '../helpers/postgres.ts';
import { stepDeps } from '../helpers/step-activities.ts';
import { startWorker, type TestWorker } from '../helpers/worker.ts';

/**
 * Drills (issue 13) on the real stack: a drill from publish to scores, the live crm_demo untouched
 * throughout; a recovery that does not repair ends `failed` with the finding; an abort mid-recovery
 * tears the scratch copy down; the fault activity refuses any database that is not a drill's scratch copy.
 */
const crmUrl = () => process.env.TEST_CRM_DATABASE_URL!;
const liveState = () => withClient(crmUrl(), tableStates);

let admin: ApiClient;
let worker: TestWorker;
let responder: Person;
let approver: Person;
let viewer: Person;
const deps = stepDeps();

const drill = (name: string, recovery: string, extra = '') => `apiVersion: tend/v1
kind: Drill
metadata: { name: ${name}, title: Test drill ${name} }
spec:
  target: crm-demo
  scenario: { fault: table.drop, with: { table: customers } }
  recovery: { runbook: ${recovery} }
  objectives: { acknowledge: 15m, rto: 1h, rpo: 30d }
  responders: [user:${responder.username}]
  escalateAfter: 10m
  maxDuration: 2h
${extra}`;

async function publish(source: string) {
	const response = await admin.send('POST', '/api/v1/drills', source, 'application/yaml');
	return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

const drillRun = (api: ApiClient, id: string) => api.json<DrillRunView>('GET', `/api/v1/drill-runs/${id}`).then((r) => r.body);
const untilStatus = (id: string, statuses: string[], timeoutMs = 180_000) =>
	eventually(`drill run ${id} to reach ${statuses.join('/')}`, async () => {
		const run = await drillRun(admin, id);
		return statuses.includes(run.status) ? run : undefined;
	}, timeoutMs);

async function approveGate(runId: string) {
	const step = await eventually('the recovery run to wait for its approval', async () => {
		const { body } = await admin.json<{ steps: Array<{ id: string; status: string }> }>('GET', `/api/v1/runs/${runId}`);
		return body.steps?.find((s) => s.id.endsWith('.approval') && s.status === 'waiting');
	});
	const decision = await approver.api.json('POST', `/api/v1/runs/${runId}/steps/${step.id}/decision`, { decision: 'approve', comment: 'drill' });
	expect(decision.status, JSON.stringify(decision.body)).toBe(200);
}

beforeAll(async () => {
	admin = await loginAsAdmin();
	worker = await startWorker();
	responder = await createPerson(admin, 'responder', ['responder']);
	approver = await createPerson(admin, 'approver', ['approver']);
	viewer = await createPerson(admin, 'viewer', ['viewer']);
	// A verified backup of crm-demo: the scratch copy and the recovery both use it.
	const { body } = await admin.json<{ id: string }>('POST', '/api/v1/runbooks/crm-nightly-backup/runs', { inputs: {} });
	const backup = await runEnded<{ status: string }>(admin, body.id, 300_000);
	expect(backup.status).toBe('succeeded');
}, 400_000);

afterAll(async () => {
	await worker?.stop();
	await deps.db.$client.end();
});

describe('the fault activity', () => {
	it('refuses the live crm_demo database, whatever drill run it is told it is for', async () => {
		const before = await liveState();
		const inject = createDrillActivities(deps)['drills.injectFault'];
		await expect(inject({ drillRunId: randomUUID(), target: 'crm-demo', database: 'main', fault: 'table.drop', with: { table: 'customers' } })).rejects.toMatchObject({ type: 'NotScratch' });
		expect(await liveState()).toEqual(before);
	});
});

describe('drill documents', () => {
	it('are published and versioned, and refused with path, line and column', async () => {
		const name = uniqueName('drill');
		const first = await publish(drill(name, 'crm-restore-in-place'));
		expect(first.status, JSON.stringify(first.body)).toBe(201);
		expect(first.body).toMatchObject({ name, version: 1, created: true });
		expect((await publish(drill(name, 'crm-restore-in-place'))).body).toMatchObject({ version: 1, created: false });
		expect((await publish(drill(name, 'crm-restore-in-place', '  keepScratch: 1m'))).body).toMatchObject({ version: 2, created: true });

		const bad = await publish(drill(name, 'no-such-runbook').replace('table.drop, with: { table: customers }', 'table.drop, with: { table: "Robert; drop" }'));
		expect(bad.status).toBe(422);
		expect(bad.body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ path: 'spec.scenario.with.table', line: 6 })]));
		const missing = await publish(drill(name, 'no-such-runbook'));
		expect(missing.body.errors).toEqual([expect.objectContaining({ path: 'spec.recovery.runbook', line: 7, column: expect.any(Number) })]);

		const { body } = await viewer.api.json<{ drills: Array<{ name: string }> }>('GET', '/api/v1/drills');
		expect(body.drills.map((d) => d.name)).toEqual(expect.arrayContaining([name, 'crm-customers-dropped', 'crm-deals-bad-update']));
		expect((await viewer.api.json('POST', `/api/v1/drills/${name}/runs`, {})).status).toBe(403);
	});
});

describe('a drill run', () => {
	it('goes from the fault to scores on a scratch copy, the live database untouched', async () => {
		const before = await liveState();
		const name = uniqueName('drill');
		expect((await publish(drill(name, 'crm-restore-in-place'))).status).toBe(201);
		const started = await responder.api.json<{ id: string }>('POST', `/api/v1/drills/${name}/runs`, {});
		expect(started.status).toBe(201);
		const id = started.body.id;

		const waiting = await untilStatus(id, ['waiting_ack']);
		expect(waiting.scratchDatabase).toMatch(/^tend_drill_/);
		const [scratchTarget] = await deps.db.select().from(targets).where(eq(targets.name, waiting.scratchTarget!));
		expect(scratchTarget.document).toMatchObject({ metadata: { tags: ['scratch', 'drill'] } });
		expect(await liveState()).toEqual(before);
		const paged = await withClient(process.env.TEST_APP_DATABASE_URL!, async (c) => (await c.query('select link from notifications where key like $1', [`drill:${id}:page:0:%`])).rows);
		expect(paged).toEqual([{ link: `/drills/runs/${id}` }]);

		// Only the drill's responders (or an admin) acknowledge it.
		expect((await approver.api.json('POST', `/api/v1/drill-runs/${id}/ack`, {})).status).toBe(403);
		const ack = await responder.api.json<{ acknowledgedAt: string }>('POST', `/api/v1/drill-runs/${id}/ack`, {});
		expect(ack.status, JSON.stringify(ack.body)).toBe(200);
		// The same person again gets the first answer (the update id); anyone else hears it is taken.
		expect((await responder.api.json('POST', `/api/v1/drill-runs/${id}/ack`, {})).body).toEqual(ack.body);
		expect((await admin.json('POST', `/api/v1/drill-runs/${id}/ack`, {})).status).toBe(409);

		const recovering = await untilStatus(id, ['recovering']);
		expect(recovering.recoveryRunId).toBeTruthy();
		const recovery = await admin.json<{ target: string; runbook: string }>('GET', `/api/v1/runs/${recovering.recoveryRunId}`);
		expect(recovery.body).toMatchObject({ runbook: 'crm-restore-in-place' });
		await approveGate(recovering.recoveryRunId!);

		const done = await untilStatus(id, ['passed', 'failed', 'aborted']);
		expect(done.finding).toBeNull();
		expect(done.status).toBe('passed');
		expect(done.acknowledgedBy).toBe(responder.username);
		expect(done.scores).toMatchObject({ rowsLost: {}, ackMet: true, rtoMet: true, rpoMet: true });
		expect(done.scores!.rtoMs).toBeGreaterThan(done.scores!.ackMs!);
		expect(done.timeline.map((e) => e.kind)).toEqual(expect.arrayContaining(['drill.started', 'drill.scratch_ready', 'drill.fault_injected', 'drill.paged', 'drill.acknowledged', 'drill.recovery_started', 'drill.verified', 'drill.passed']));
		const torn = await eventually('the scratch copy to be torn down', async () => ((await drillRun(admin, id)).scratchDropped ? true : undefined));
		expect(torn).toBe(true);
		expect(await deps.db.select().from(targets).where(eq(targets.name, waiting.scratchTarget!))).toEqual([]);
		const exists = await withClient(crmUrl(), async (c) => (await c.query('select 1 from pg_database where datname = $1', [waiting.scratchDatabase])).rowCount);
		expect(exists).toBe(0);
		expect(await liveState()).toEqual(before);

		const readiness = await viewer.api.json<{ scenarios: Array<{ drill: string; score: number; lastStatus: string }> }>('GET', '/api/v1/readiness');
		expect(readiness.body.scenarios.find((s) => s.drill === name)).toMatchObject({ score: 100, lastStatus: 'passed' });

		const debrief = await responder.api.json<DrillRunView>('POST', `/api/v1/drill-runs/${id}/debrief`, { wentWell: 'paged at once', wentBadly: 'none', actionItems: [{ title: 'Write the runbook down', owner: responder.username, due: '2027-01-15' }] });
		expect(debrief.status).toBe(200);
		expect(debrief.body.debrief).toMatchObject({ by: responder.username, actionItems: [{ done: false }] });
	}, 400_000);

	it('ends failed with the verification’s finding when the recovery does not repair the data', async () => {
		const noop = uniqueName('noop-recovery');
		const runbook = `apiVersion: tend/v1\nkind: Runbook\nmetadata: { name: ${noop}, title: Does nothing useful }\nspec:\n  target: crm-demo\n  steps:\n    - { id: look, uses: sql.check, with: { database: main, query: "select true" } }\n`;
		expect((await admin.send('POST', '/api/v1/runbooks', runbook, 'application/yaml')).status).toBe(201);
		const name = uniqueName('drill');
		expect((await publish(drill(name, noop))).status).toBe(201);
		const { body } = await responder.api.json<{ id: string }>('POST', `/api/v1/drills/${name}/runs`, {});
		await untilStatus(body.id, ['waiting_ack']);
		expect((await admin.json('POST', `/api/v1/drill-runs/${body.id}/ack`, {})).status).toBe(200);
		const done = await untilStatus(body.id, ['passed', 'failed', 'aborted']);
		expect(done.status).toBe('failed');
		expect(done.finding).toMatch(/rows lost.*public\.customers 50000|public\.customers/);
		expect(done.scores?.rowsLost).toMatchObject({ 'public.customers': expect.any(Number) });
	}, 300_000);

	it('is aborted by an admin mid-recovery, and its scratch copy is torn down', async () => {
		const name = uniqueName('drill');
		expect((await publish(drill(name, 'crm-restore-in-place'))).status).toBe(201);
		const { body } = await responder.api.json<{ id: string }>('POST', `/api/v1/drills/${name}/runs`, {});
		await untilStatus(body.id, ['waiting_ack']);
		expect((await responder.api.json('POST', `/api/v1/drill-runs/${body.id}/ack`, {})).status).toBe(200);
		const recovering = await untilStatus(body.id, ['recovering']);
		expect(recovering.recoveryRunId).toBeTruthy();
		expect((await responder.api.json('POST', `/api/v1/drill-runs/${body.id}/abort`, { reason: 'no' })).status).toBe(403);
		expect((await admin.json('POST', `/api/v1/drill-runs/${body.id}/abort`, { reason: 'the team is needed elsewhere' })).status).toBe(202);
		const done = await untilStatus(body.id, ['aborted', 'failed', 'passed']);
		expect(done.status).toBe('aborted');
		expect(done.finding).toMatch(/the team is needed elsewhere/);
		await eventually('the scratch copy to be torn down', async () => ((await drillRun(admin, body.id)).scratchDropped ? true : undefined));
		const [row] = await deps.db.select().from(drillRuns).where(eq(drillRuns.id, body.id));
		const exists = await withClient(crmUrl(), async (c) => (await c.query('select 1 from pg_database where datname = $1', [row.scratchDatabase])).rowCount);
		expect(exists).toBe(0);
		const recovery = await runEnded<{ status: string }>(admin, recovering.recoveryRunId!);
		expect(recovery.status).toBe('cancelled');
	}, 300_000);

	it('loses nothing when its worker is SIGKILLed while the scratch copy is being made', async () => {
		const before = await liveState();
		const name = uniqueName('drill');
		expect((await publish(drill(name, 'crm-restore-in-place'))).status).toBe(201);
		const { body } = await responder.api.json<{ id: string }>('POST', `/api/v1/drills/${name}/runs`, {});
		await untilStatus(body.id, ['preparing']);
		// Mid pg_restore: the scratch database exists and is being filled.
		await eventually('the scratch copy to be under way', async () => {
			const n = await withClient(crmUrl(), async (c) => (await c.query("select 1 from pg_database where datname like 'tend_drill_%'")).rowCount);
			return n ? true : undefined;
		});
		await worker.kill();
		worker = await startWorker();
		await untilStatus(body.id, ['waiting_ack'], 300_000);
		expect((await responder.api.json('POST', `/api/v1/drill-runs/${body.id}/ack`, {})).status).toBe(200);
		const recovering = await untilStatus(body.id, ['recovering']);
		await approveGate(recovering.recoveryRunId!);
		const done = await untilStatus(body.id, ['passed', 'failed', 'aborted']);
		expect(done.finding).toBeNull();
		expect(done.status).toBe('passed');
		expect(done.timeline.filter((e) => e.kind === 'drill.fault_injected')).toHaveLength(1);
		await eventually('the scratch copy to be torn down', async () => ((await drillRun(admin, body.id)).scratchDropped ? true : undefined));
		expect(await liveState()).toEqual(before);
	}, 400_000);
});
