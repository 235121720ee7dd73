import { CancelledFailure } from '@temporalio/common';
import { createReadStream, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { from as copyFrom } from 'pg-copy-streams';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dataArchive } from '../../activities/data-archive.ts';
import { dataPurge, logsCleanup } from '../../activities/data-purge.ts';
import type { BatchHeartbeat } from '../../activities/retention-batches.ts';
import { cutoffBefore } from '../../activities/retention-cutoff.ts';
import type { ActivityDeps } from '../../activities/step-context.ts';
import { olderThan2y, seedLogTable, youngerThan2y } from '../helpers/log-tables.ts';
import { createOwnedDatabase, withClient } from '../helpers/postgres.ts';
import { attempt, newRun, registerTarget, stepDeps } from '../helpers/step-activities.ts';

describe('retention steps on a scratch database', () => {
	let deps: ActivityDeps;
	let url: string;
	let target: string;
	let backups: string;

	/** Row count and an md5 over the rows' text in key order: equal digests mean equal rows. */
	const digest = (from: string, where = 'true') =>
		withClient(url, async (c) => (await c.query<{ rows: number; md5: string }>(`select count(*)::int as rows, md5(coalesce(string_agg(t::text, E'\\n' order by id), '')) as md5 from ${from} t where ${where}`)).rows[0]);
	const sql = (text: string) => withClient(url, (c) => c.query(text));
	const context = async (stepId: string) => ({ runId: await newRun(deps, target), stepId, target });

	beforeAll(async () => {
		deps = stepDeps();
		url = await createOwnedDatabase('retention');
		backups = mkdtempSync(join(tmpdir(), 'tend-retention-'));
		target = await registerTarget(deps, url, backups);
	});
	afterAll(async () => {
		await deps?.db.$client.end();
		if (backups) rmSync(backups, { recursive: true, force: true });
	});

	it('purges with archive: the archive holds exactly the deleted rows, and newer rows are untouched', async () => {
		await sql(seedLogTable('web_logs', 'logged_at'));
		const old = await digest('web_logs', olderThan2y('logged_at'));
		const young = await digest('web_logs', youngerThan2y('logged_at'));
		expect(old.rows).toBeGreaterThan(5_000);

		const ctx = await context('purge');
		const out = await attempt(dataPurge, deps, ctx, { database: 'main', table: 'web_logs', timestampColumn: 'logged_at', olderThan: '2y', archive: true, batchSize: 1_000 }).result;

		expect(out).toMatchObject({ deleted: old.rows, archived: old.rows, batches: Math.ceil(old.rows / 1_000), archiveTable: 'tend_archive.web_logs', table: 'public.web_logs', complete: true });
		expect(await digest('tend_archive.web_logs')).toEqual(old);
		expect(await digest('web_logs')).toEqual(young);
		// The cutoff is the one the step recorded for the run, on the run's timeline.
		const recorded = await withClient(process.env.TEST_APP_DATABASE_URL!, async (c) => (await c.query('select message from run_events where run_id = $1 and status = $2', [ctx.runId, 'cutoff'])).rows);
		expect(recorded).toEqual([{ message: `cutoff ${out.cutoff}: rows of public.web_logs written before it are in scope` }]);
	});

	it('retried after an interruption, keeps the first attempt’s cutoff: rows younger than it survive the retry', async () => {
		await sql(seedLogTable('app_logs', 'created_at'));
		const old = await digest('app_logs', olderThan2y('created_at'));
		const ctx = await context('cleanup');
		// logs.cleanup's defaults: app_logs, created_at.
		const params = { database: 'main', olderThan: '2y', archive: true, batchSize: 500 };

		const first = attempt(logsCleanup, deps, ctx, params);
		first.env.on('heartbeat', (details: BatchHeartbeat) => {
			if (details.batches >= 3) first.env.cancel();
		});
		await expect(first.result).rejects.toBeInstanceOf(CancelledFailure);
		const last = first.heartbeats.at(-1) as BatchHeartbeat;
		expect(last.batches).toBeGreaterThanOrEqual(3);
		expect(last).toMatchObject({ rows: last.batches * 500, archived: last.batches * 500, complete: false });
		const cutoff = new Date(last.cutoff);
		const left = (await digest('app_logs', `created_at < '${last.cutoff}'`)).rows;
		expect(left).toBe(old.rows - last.rows);

		// Rows written just after the cutoff; by the time of the retry "now - 2y" has passed them,
		// so a retry that computed its cutoff afresh would delete them.
		await sql(`insert into app_logs (created_at, level, source, message) select '${last.cutoff}'::timestamptz + i * interval '1 millisecond', 'info', 'late', 'just after the cutoff' from generate_series(1, 50) i`);
		await new Promise((resolve) => setTimeout(resolve, 100));
		expect(cutoffBefore('2y', new Date()).getTime()).toBeGreaterThan(cutoff.getTime() + 50);

		const retry = await attempt(logsCleanup, deps, ctx, params, { attempt: 2, heartbeatDetails: last }).result;
		// Counted on from the last heartbeat, as Temporal hands it to a retry.
		expect(retry).toMatchObject({ cutoff: last.cutoff, deleted: last.rows + left, archived: last.rows + left, complete: true, table: 'public.app_logs' });
		expect((await digest('app_logs', `source = 'late'`)).rows).toBe(50);
		expect((await digest('app_logs', `created_at < '${last.cutoff}'`)).rows).toBe(0);
		expect(await digest('tend_archive.app_logs')).toEqual(old);
	});

	it('archives to a gzip CSV in the backup location that loads back identical; a purge before its cutoff then deletes exactly those rows', async () => {
		await sql(seedLogTable('api_logs', 'created_at'));
		const all = await digest('api_logs');
		const old = await digest('api_logs', olderThan2y('created_at'));

		const archived = await attempt(dataArchive, deps, await context('archive'), { database: 'main', table: 'api_logs', olderThan: '2y', to: 'file', batchSize: 2_000 }).result;
		expect(archived).toMatchObject({ archived: old.rows, batches: Math.ceil(old.rows / 2_000), complete: true });
		expect(archived.location.startsWith(join(backups, 'archives'))).toBe(true);
		expect(archived.location.endsWith('.csv.gz')).toBe(true);
		expect(existsSync(`${archived.location}.partial`)).toBe(false);
		expect(await digest('api_logs')).toEqual(all);

		await withClient(url, async (c) => {
			await c.query('create table api_logs_restored (like api_logs)');
			await pipeline(createReadStream(archived.location), createGunzip(), c.query(copyFrom('copy api_logs_restored from stdin with (format csv, header)')));
		});
		expect(await digest('api_logs_restored')).toEqual(old);

		const purged = await attempt(dataPurge, deps, await context('purge'), { database: 'main', table: 'api_logs', olderThan: '2y', before: archived.cutoff }).result;
		expect(purged).toMatchObject({ deleted: archived.archived, cutoff: archived.cutoff });
		expect(purged.archived).toBeUndefined();
		expect((await digest('api_logs')).rows).toBe(all.rows - old.rows);
	});

	it('refuses a table without a one-column primary key, and a timestamp column that is not one, by name', async () => {
		await sql('create table pairs (a int, b int, at timestamptz, primary key (a, b))');
		await expect(attempt(dataPurge, deps, await context('p'), { database: 'main', table: 'pairs', olderThan: '1y', timestampColumn: 'at' }).result).rejects.toMatchObject({
			type: 'RetentionNeedsKey',
			message: expect.stringContaining('public.pairs has no one-column primary key')
		});
		await expect(attempt(dataPurge, deps, await context('p'), { database: 'main', table: 'web_logs', olderThan: '1y', timestampColumn: 'level' }).result).rejects.toMatchObject({
			type: 'InvalidStepParams',
			message: expect.stringContaining('public.web_logs.level is text')
		});
	});
});
