import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RunView } from '../../web/src/lib/run-types.ts';
import { eventually, loginAsAdmin, runEnded, type ApiClient } from '../helpers/api.ts';
import { createScratchDatabase, withClient } from '../helpers/postgres.ts';
import { startWorker, type TestWorker } from '../helpers/worker.ts';

function sha256File(path: string): Promise<string> {
	return new Promise((resolve, reject) => {
		const hash = createHash('sha256');
		createReadStream(path)
			.on('data', (chunk) => hash.update(chunk))
			.on('end', () => resolve(hash.digest('hex')))
			.on('error', reject);
	});
}

async function startNightlyBackup(api: ApiClient): Promise<string> {
	const { status, body } = await api.json<{ id: string }>('POST', '/api/v1/runbooks/crm-nightly-backup/runs', { inputs: {} });
	expect(status).toBe(201);
	return body.id;
}

const finished = (api: ApiClient, id: string) => runEnded<RunView>(api, id, 240_000);

async function catalogued(runId: string) {
	return withClient(process.env.TEST_APP_DATABASE_URL!, async (c) => (await c.query('select * from backups where run_id = $1', [runId])).rows);
}

describe('CRM nightly backup, end to end on the real stack', () => {
	let api: ApiClient;
	const workers: TestWorker[] = [];
	beforeAll(async () => {
		api = await loginAsAdmin();
	});
	afterEach(async () => {
		for (const worker of workers.splice(0)) await worker.stop();
	});

	it('backs up, verifies by restore and mails the admins; the dump restores', async () => {
		workers.push(await startWorker());
		const id = await startNightlyBackup(api);
		const run = await finished(api, id);

		expect(run.status, run.error ?? '').toBe('succeeded');
		expect(run.steps.map((s) => [s.id, s.status])).toEqual([['backup', 'succeeded'], ['verify', 'succeeded'], ['notify', 'succeeded'], ['prune', 'succeeded']]);
		// The backup just made and verified is the newest: retention never prunes it.
		expect(run.steps[3].outputs).toMatchObject({ pruned: expect.any(Number) });
		expect((run.steps[3].outputs as { prunedIds: string[] }).prunedIds).not.toContain((run.steps[0].outputs as { backupId: string }).backupId);
		const backup = run.steps[0].outputs as { backupId: string; path: string; sha256: string; sizeBytes: number };
		expect(await sha256File(backup.path)).toBe(backup.sha256);
		expect(run.steps[1].outputs).toMatchObject({ backupId: backup.backupId, mismatches: 0 });
		expect((run.steps[1].outputs as { tablesCompared: number }).tablesCompared).toBeGreaterThanOrEqual(5);

		// Independently of the verify step: the dump restores and holds every customer.
		const scratch = await createScratchDatabase('restore');
		const restore = spawnSync('pg_restore', ['--no-owner', '--no-privileges', '--dbname', scratch, backup.path], { encoding: 'utf8' });
		expect(restore.status, restore.stderr).toBe(0);
		const count = (url: string) => withClient(url, async (c) => Number((await c.query('select count(*) from customers')).rows[0].count));
		expect(await count(scratch)).toBe(await count(process.env.TEST_CRM_DATABASE_URL!));

		const mail = await withClient(process.env.TEST_APP_DATABASE_URL!, async (c) => (await c.query('select * from mail_sink where subject like $1', [`%${backup.backupId}%`])).rows);
		expect(mail).toHaveLength(1);
		expect(mail[0].rcpt_to).toContain('admin@tend.local');
	});

	it('survives a worker killed during the backup step: the run completes and one backup is catalogued', async () => {
		const first = await startWorker();
		workers.push(first);
		const id = await startNightlyBackup(api);
		// Kill only once pg_dump is writing: the step's activity is then truly mid-attempt.
		const partial = join(process.env.TEST_HOME!, 'backups', 'crm-demo', `bk-${id}-backup.dump.partial`);
		await eventually('pg_dump to be writing the backup', async () => (existsSync(partial) && statSync(partial).size > 0 ? true : undefined), 60_000, 20);
		await first.kill();

		workers.push(await startWorker());
		const run = await finished(api, id);
		expect(run.status, run.error ?? '').toBe('succeeded');
		expect(run.steps[0].attempts).toBeGreaterThanOrEqual(2);
		const rows = await catalogued(id);
		expect(rows).toHaveLength(1);
		expect(await sha256File(rows[0].path)).toBe(rows[0].sha256);
	});
});
