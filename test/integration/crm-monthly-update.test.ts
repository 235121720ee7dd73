import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundlesFolder } from '../../activities/migration-bundles.ts';
import { seedCrmDemo } from '../../db/seed/crm-demo.ts';
import type { RunView, StepView } from '../../web/src/lib/run-types.ts';
import { eventually, login, loginAsAdmin, runEnded, webUrl, type ApiClient } from '../helpers/api.ts';
import { snapshotDatabase } from '../helpers/database-snapshot.ts';
import { createOwnedDatabase, withClient } from '../helpers/postgres.ts';
import { startWorker, type TestWorker } from '../helpers/worker.ts';

/**
 * The built-in crm-monthly-update runbook, as installed, run against a scratch copy of the demo
 * CRM schema (seeded small) so crm_demo itself is never changed: updates apply once and are
 * recorded, undo cleanly, and a failed one leaves the database exactly as it was.
 */
const suffix = randomBytes(3).toString('hex');
const targets = { healthy: `crm-update-${suffix}`, sick: `crm-update-sick-${suffix}` };
const runbooks = { healthy: `crm-monthly-update-${suffix}`, sick: `crm-monthly-update-sick-${suffix}`, migrate: `migrate-${suffix}` };
const LEDGER = 'tend_migrations';

interface InboxJson {
	approvals: Array<{ runId: string; stepId: string }>;
}

const appQuery = <T>(sql: string) => withClient(process.env.TEST_APP_DATABASE_URL!, async (c) => (await c.query(sql)).rows as T[]);
const stepOf = (run: RunView, id: string) => run.steps.find((s) => s.id === id) as StepView;
const upChecksum = (bundle: string) => createHash('sha256').update(readFileSync(join(bundlesFolder, bundle, 'up.sql'))).digest('hex');

/** The built-in runbook's own text, pointed at a scratch target under a name of this test's. */
function builtInMonthlyUpdate(name: string, target: string): string {
	const source = readFileSync(new URL('../../runbooks/crm-monthly-update.yaml', import.meta.url), 'utf8');
	const renamed = source.replace(/^ {2}name: crm-monthly-update$/m, `  name: ${name}`).replace(/^ {2}target: crm-demo$/m, `  target: ${target}`);
	expect(renamed).toContain(`name: ${name}`);
	expect(renamed).toContain(`target: ${target}`);
	return renamed;
}

const targetYaml = (name: string, secret: string, health: string) => `apiVersion: tend/v1
kind: Target
metadata: { name: ${name}, title: Scratch CRM ${name} }
spec:
  databases:
    main: { url: "secret:${secret}" }
  urls: { health: "${health}" }
  backups: { location: "file:backups/${name}" }
  http: { allowHosts: ["${new URL(health).host}"] }
`;

describe('crm-monthly-update on a scratch copy of the demo CRM', () => {
	let admin: ApiClient;
	let approver: ApiClient;
	let worker: TestWorker;
	let crmUrl: string;

	const publish = async (path: string, yaml: string) => {
		const response = await admin.send('POST', path, yaml, 'application/yaml');
		expect([200, 201], await response.clone().text()).toContain(response.status);
	};
	const start = async (runbook: string, inputs: Record<string, string>) => {
		const { status, body } = await admin.json<{ id: string }>('POST', `/api/v1/runbooks/${runbook}/runs`, { inputs });
		expect(status).toBe(201);
		return body.id;
	};
	/** Starts a monthly update, approves it as the approver (the initiator may not) and waits for its end. */
	const monthlyUpdate = async (runbook: string, release: string) => {
		const id = await start(runbook, { release });
		await eventually('the approval to be asked', async () => (await approver.json<InboxJson>('GET', '/api/v1/approvals')).body.approvals.find((a) => a.runId === id && a.stepId === 'approve'));
		const decision = await approver.json('POST', `/api/v1/runs/${id}/steps/approve/decision`, { decision: 'approve', comment: 'backup is in place' });
		expect(decision.status).toBe(200);
		return runEnded<RunView>(admin, id, 240_000);
	};
	const migrate = async (bundle: string, direction: 'up' | 'down', more: Record<string, string> = {}) => runEnded<RunView>(admin, await start(runbooks.migrate, { bundle, direction, ...more }), 120_000);
	const ledger = () =>
		withClient(crmUrl, async (c) => (await c.query(`select bundle, version, direction, checksum, run_id, step_id from ${LEDGER} order by id`)).rows.map((r) => [r.bundle, r.version, r.direction, r.checksum, r.run_id, r.step_id]));
	const scalar = (sql: string) => withClient(crmUrl, async (c) => (await c.query(sql)).rows[0].v);

	beforeAll(async () => {
		[admin, worker] = await Promise.all([loginAsAdmin(), startWorker()]);
		const password = randomBytes(12).toString('base64url');
		const username = `approver-${suffix}`;
		expect((await admin.json('POST', '/api/v1/users', { username, password, roles: ['approver'], email: `${username}@example.test` })).status).toBe(201);
		approver = await login(username, password);

		crmUrl = await createOwnedDatabase('crm_update');
		await seedCrmDemo(crmUrl, { customers: 2000, logRows: 2000 });
		const secret = `crm-update-${suffix}-db`;
		expect((await admin.json('PUT', `/api/v1/secrets/${secret}`, { value: crmUrl })).status).toBe(204);
		await publish('/api/v1/targets', targetYaml(targets.healthy, secret, `${webUrl()}/healthz`));
		// The same database behind a health URL that answers 404: the smoke check after the update fails.
		await publish('/api/v1/targets', targetYaml(targets.sick, secret, `${webUrl()}/healthz-missing-${suffix}`));
		await publish('/api/v1/runbooks', builtInMonthlyUpdate(runbooks.healthy, targets.healthy));
		await publish('/api/v1/runbooks', builtInMonthlyUpdate(runbooks.sick, targets.sick));
		await publish(
			'/api/v1/runbooks',
			`apiVersion: tend/v1
kind: Runbook
metadata: { name: ${runbooks.migrate}, title: Apply or undo one bundle }
spec:
  target: ${targets.healthy}
  inputs:
    bundle: { type: string, required: true }
    direction: { type: string, default: up }
    lockTimeout: { type: string, default: 5s }
  steps:
    - id: migrate
      uses: postgres.migrate
      risk: low
      retry: { maxAttempts: 2, initialInterval: 1s }
      with: { database: main, bundle: "\${{ inputs.bundle }}", direction: "\${{ inputs.direction }}", lockTimeout: "\${{ inputs.lockTimeout }}" }
`
		);
	});
	afterAll(async () => {
		await worker?.stop();
	});

	it('applies 1.1 then 1.2, each recorded once in the ledger; applying again changes nothing; down undoes each', async () => {
		const original = await snapshotDatabase(crmUrl);

		const first = await monthlyUpdate(runbooks.healthy, '1.1');
		expect(first.status, first.error ?? '').toBe('succeeded');
		expect(first.steps.map((s) => [s.id, s.status])).toEqual([...['backup', 'announce', 'approve', 'update', 'verify', 'smoke', 'done'].map((id) => [id, 'succeeded']), ['whats-new', 'skipped']]);
		expect(stepOf(first, 'update').outputs).toMatchObject({ applied: true, version: '1.1' });
		expect(stepOf(first, 'verify').outputs).toEqual({ ok: true, rows: [{ ok: true }] });
		expect(stepOf(first, 'smoke').outputs).toMatchObject({ status: 200 });
		expect(Number(await scalar("select count(*) filter (where segment = 'business') as v from customers"))).toBe(Number(await scalar('select count(company) as v from customers')));
		const announced = await withClient(process.env.TEST_APP_DATABASE_URL!, async (c) => (await c.query('select count(*) as n from mail_sink where subject = $1', ['CRM update 1.1 is about to be applied'])).rows[0].n);
		expect(Number(announced)).toBeGreaterThanOrEqual(1);
		const with11 = await snapshotDatabase(crmUrl, { except: [LEDGER] });

		const second = await monthlyUpdate(runbooks.healthy, '1.2');
		expect(second.status, second.error ?? '').toBe('succeeded');
		expect(stepOf(second, 'update').outputs).toMatchObject({ applied: true, version: '1.2' });
		// 1.2 verified: every CRM user (role member) now has "What's new in CRM 1.2", exactly once.
		expect(stepOf(second, 'whats-new')).toMatchObject({ status: 'succeeded' });
		const [{ members }] = await appQuery<{ members: string }>("select count(*) as members from users u join user_roles r on r.user_id = u.id where r.role = 'member' and u.disabled_at is null");
		expect(stepOf(second, 'whats-new').outputs).toMatchObject({ assigned: Number(members) });
		const perPerson = await appQuery<{ n: string }>(
			"select count(*) as n from training_assignments a join training_modules m on m.id = a.module_id where m.name = 'crm-whats-new-1-2' and a.cancelled_at is null group by a.user_id having count(*) > 1"
		);
		expect(perPerson).toEqual([]);
		const notes = Number(await scalar('select count(*) as v from customer_notes'));
		expect(notes).toBeGreaterThan(0);
		expect(notes).toBe(Number(await scalar("select count(*) as v from activities where kind = 'note'")));
		expect(await ledger()).toEqual([
			['crm-1.1', '1.1', 'up', upChecksum('crm-1.1'), first.id, 'update'],
			['crm-1.2', '1.2', 'up', upChecksum('crm-1.2'), second.id, 'update']
		]);

		const applied = await snapshotDatabase(crmUrl);
		const again = await migrate('crm-1.2', 'up');
		expect(again.status, again.error ?? '').toBe('succeeded');
		expect(stepOf(again, 'migrate').outputs).toMatchObject({ applied: false, version: '1.2' });
		expect(await snapshotDatabase(crmUrl)).toEqual(applied);

		const down12 = await migrate('crm-1.2', 'down');
		expect(stepOf(down12, 'migrate').outputs, down12.error ?? '').toMatchObject({ applied: true, version: '1.2' });
		expect(await snapshotDatabase(crmUrl, { except: [LEDGER] })).toEqual(with11);
		expect(stepOf(await migrate('crm-1.2', 'down'), 'migrate').outputs).toMatchObject({ applied: false });

		const down11 = await migrate('crm-1.1', 'down');
		expect(stepOf(down11, 'migrate').outputs, down11.error ?? '').toMatchObject({ applied: true });
		expect(await snapshotDatabase(crmUrl, { except: [LEDGER] })).toEqual(original);
		expect((await ledger()).map(([bundle, , direction]) => `${bundle} ${direction}`)).toEqual(['crm-1.1 up', 'crm-1.2 up', 'crm-1.2 down', 'crm-1.1 down']);
	}, 600_000);

	it('1.3 fails its verification: the run ends rolled_back and the database equals its state before', async () => {
		const before = await snapshotDatabase(crmUrl);
		const run = await monthlyUpdate(runbooks.healthy, '1.3');

		expect(run.status, run.error ?? '').toBe('rolled_back');
		const update = stepOf(run, 'update');
		expect(update.status).toBe('failed');
		expect(update.error).toMatch(/bundle crm-1\.3 failed its verification: verify\.sql must return true, but its first column was false \(nothing was applied/);
		// MigrationVerifyFailed is not retried: another attempt would fail the same way.
		expect(update.attempts).toBe(1);
		expect(['verify', 'smoke', 'done'].map((id) => stepOf(run, id).status)).not.toContain('succeeded');
		expect(await snapshotDatabase(crmUrl)).toEqual(before);
	});

	it('a failure after the update is rolled back by restoring the backup taken first', async () => {
		const before = await snapshotDatabase(crmUrl);
		const run = await monthlyUpdate(runbooks.sick, '1.1');

		expect(run.status, run.error ?? '').toBe('rolled_back');
		expect(stepOf(run, 'update').status).toBe('compensated');
		expect(stepOf(run, 'smoke')).toMatchObject({ status: 'failed', error: expect.stringMatching(/status 404/) });
		// The restore brings back the ledger as it was too: 1.1 is no longer recorded as applied.
		expect(await snapshotDatabase(crmUrl)).toEqual(before);
	});

	it('gives up on a table another session is using after lockTimeout, rather than queue everyone behind it', async () => {
		const before = await snapshotDatabase(crmUrl);
		const reader = new pg.Client({ connectionString: crmUrl });
		await reader.connect();
		try {
			// An open transaction that has read customers holds a lock the ALTER TABLE of 1.1 must wait for.
			await reader.query('begin');
			await reader.query('select count(*) from customers');
			const run = await migrate('crm-1.1', 'up', { lockTimeout: '300ms' });
			expect(run.status).toBe('failed');
			// A lock timeout is worth retrying: the table may be free on the next attempt.
			expect(stepOf(run, 'migrate')).toMatchObject({ status: 'failed', attempts: 2, error: expect.stringMatching(/bundle crm-1\.1 up\.sql: canceling statement due to lock timeout \[SQLSTATE 55P03\]/) });
		} finally {
			await reader.end();
		}
		expect(await snapshotDatabase(crmUrl)).toEqual(before);
	});
});
