import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ActivityDeps } from '../../activities/step-context.ts';
import type { RunView } from '../../web/src/lib/run-types.ts';
import { eventually, login, loginAsAdmin, runEnded, type ApiClient } from '../helpers/api.ts';
import { olderThan2y, seedLogTable } from '../helpers/log-tables.ts';
import { createOwnedDatabase, withClient } from '../helpers/postgres.ts';
import { registerTarget, stepDeps } from '../helpers/step-activities.ts';
import { startWorker, type TestWorker } from '../helpers/worker.ts';

const runbooksFolder = fileURLToPath(new URL('../../runbooks', import.meta.url));
const suffix = randomBytes(3).toString('hex');

/**
 * The built-in runbooks as shipped, renamed and pointed at a scratch target, so the run is the
 * real one (the worker, the interpreter, expressions between steps) and crm_demo stays as it is.
 */
function builtIn(file: string, name: string, target: string): string {
	return readFileSync(join(runbooksFolder, file), 'utf8').replace(/^ {2}name: .*$/m, `  name: ${name}`).replace(/^ {2}target: crm-demo$/m, `  target: ${target}`);
}

describe('the built-in retention and index maintenance runbooks, on a scratch target', () => {
	let admin: ApiClient;
	let approver: ApiClient;
	let worker: TestWorker;
	let deps: ActivityDeps;
	let url: string;
	let target: string;
	let backups: string;

	const count = (where: string) => withClient(url, async (c) => (await c.query<{ n: number }>(`select count(*)::int as n from app_logs where ${where}`)).rows[0].n);
	const mails = (subject: string) => withClient(process.env.TEST_APP_DATABASE_URL!, async (c) => (await c.query('select rcpt_to, text from mail_sink where subject = $1', [subject])).rows);
	const publishAndStart = async (yaml: string, name: string) => {
		const published = await admin.send('POST', '/api/v1/runbooks', yaml, 'application/yaml');
		expect(published.status, await published.clone().text()).toBe(201);
		const started = await admin.json<{ id: string }>('POST', `/api/v1/runbooks/${name}/runs`, { inputs: {} });
		expect(started.status).toBe(201);
		return started.body.id;
	};

	beforeAll(async () => {
		[admin, worker] = await Promise.all([loginAsAdmin(), startWorker()]);
		const password = randomBytes(12).toString('base64url');
		expect((await admin.json('POST', '/api/v1/users', { username: `appr-${suffix}`, password, roles: ['approver'], email: `appr-${suffix}@example.test` })).status).toBe(201);
		approver = await login(`appr-${suffix}`, password);
		deps = stepDeps();
		url = await createOwnedDatabase('retention_rb');
		backups = mkdtempSync(join(tmpdir(), 'tend-retention-rb-'));
		target = await registerTarget(deps, url, backups);
		await withClient(url, async (c) => {
			await c.query(seedLogTable('app_logs', 'created_at', 20_000));
			await c.query('create index app_logs_created_at_copy on app_logs (created_at)');
		});
	});
	afterAll(async () => {
		await worker?.stop();
		await deps?.db.$client.end();
		if (backups) rmSync(backups, { recursive: true, force: true });
	});

	it('crm-log-retention archives the old logs to a CSV and, once approved, deletes exactly those rows', async () => {
		const old = await count(olderThan2y('created_at'));
		const total = await count('true');
		const name = `log-retention-${suffix}`;
		const id = await publishAndStart(builtIn('crm-log-retention.yaml', name, target), name);

		await eventually('the approval to be asked', async () => {
			const { body } = await admin.json<RunView>('GET', `/api/v1/runs/${id}`);
			return body.steps.find((s) => s.id === 'approve')?.status === 'waiting' ? true : undefined;
		}, 120_000);
		// Nothing is deleted before the approval.
		expect(await count('true')).toBe(total);
		expect((await approver.json('POST', `/api/v1/runs/${id}/steps/approve/decision`, { decision: 'approve' })).status).toBe(200);

		const run = await runEnded<RunView>(admin, id, 180_000);
		expect(run.status, run.error ?? '').toBe('succeeded');
		const outputs = Object.fromEntries(run.steps.map((s) => [s.id, s.outputs as Record<string, unknown>]));
		expect(outputs.archive).toMatchObject({ archived: old, table: 'public.app_logs', complete: true });
		expect(outputs.purge).toMatchObject({ deleted: old, cutoff: outputs.archive.cutoff, complete: true });
		expect(existsSync(outputs.archive.location as string)).toBe(true);
		expect(await count('true')).toBe(total - old);
		expect(await count(olderThan2y('created_at'))).toBe(0);
		const [mail] = await mails(`CRM log retention: ${old} log rows deleted`);
		expect(mail.rcpt_to).toContain('admin@tend.local');
		expect(mail.text).toContain(`archived ${old} to ${outputs.archive.location}`);
	});

	it('crm-index-maintenance vacuums, and mails the admins the index report', async () => {
		const name = `index-maintenance-${suffix}`;
		const id = await publishAndStart(builtIn('crm-index-maintenance.yaml', name, target), name);
		const run = await runEnded<RunView>(admin, id, 180_000);
		expect(run.status, run.error ?? '').toBe('succeeded');
		const maintain = run.steps.find((s) => s.id === 'maintain')!.outputs as { vacuumed: string[]; summary: string; durationMs: number };
		expect(maintain.vacuumed).toContain('public.app_logs');
		const [mail] = await mails(`CRM index maintenance report (done in ${maintain.durationMs} ms)`);
		expect(mail.rcpt_to).toContain('admin@tend.local');
		expect(mail.text).toContain('public.app_logs_created_at_copy');
		expect(mail.text).toContain(maintain.summary);
	});
});
