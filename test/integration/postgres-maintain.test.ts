import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresMaintain } from '../../activities/postgres-maintain.ts';
import type { ActivityDeps } from '../../activities/step-context.ts';
import { eventually } from '../helpers/api.ts';
import { createOwnedDatabase, withClient } from '../helpers/postgres.ts';
import { attempt, newRun, registerTarget, stepDeps } from '../helpers/step-activities.ts';

/**
 * accounts: one index used by a query, one never used, and two identical ones on email.
 * events: an index left mostly empty by deleting four rows in five (no page empties, so VACUUM
 * cannot hand pages back) — bloated by any measure.
 */
const SEED = `
	create table accounts (id bigint primary key, email text not null, region text not null, created_at timestamptz not null);
	insert into accounts select i, format('user%s@example.test', i), (array['eu', 'us', 'apac'])[1 + i % 3], now() - i * interval '1 minute'
	from generate_series(1, 20000) i;
	create index accounts_email_idx on accounts (email);
	create index accounts_email_copy_idx on accounts (email);
	create index accounts_region_idx on accounts (region);
	create index accounts_created_idx on accounts (created_at);
	create table events (id bigint primary key, n int not null);
	insert into events select i, i from generate_series(1, 300000) i;
	create index events_n_idx on events (n);
	delete from events where id % 5 <> 0;
`;

describe('postgres.maintain on a scratch database', () => {
	let deps: ActivityDeps;
	let url: string;
	let target: string;
	let backups: string;
	const indexSize = (name: string) => withClient(url, async (c) => Number((await c.query('select pg_relation_size($1::regclass) as size', [name])).rows[0].size));
	const context = async () => ({ runId: await newRun(deps, target), stepId: 'maintain', target });

	beforeAll(async () => {
		deps = stepDeps();
		url = await createOwnedDatabase('maintain');
		backups = mkdtempSync(join(tmpdir(), 'tend-maintain-'));
		target = await registerTarget(deps, url, backups);
		await withClient(url, async (c) => {
			await c.query(SEED);
			// A multi-statement query is one transaction, which VACUUM refuses.
			await c.query('vacuum analyze accounts, events');
			await c.query('set enable_seqscan = off');
			await c.query(`select count(*) from accounts where created_at < now() - interval '1 day'`);
		});
		// Usage statistics reach pg_stat_user_indexes shortly after the query's session flushes them.
		await eventually('the created_at index to show a scan', () =>
			withClient(url, async (c) => ((await c.query(`select idx_scan from pg_stat_user_indexes where indexrelname = 'accounts_created_idx'`)).rows[0]?.idx_scan > 0 ? true : undefined))
		);
	});
	afterAll(async () => {
		await deps?.db.$client.end();
		if (backups) rmSync(backups, { recursive: true, force: true });
	});

	it('reports the duplicate, the unused and the bloated indexes, and rebuilds the bloated ones concurrently', async () => {
		const before = await indexSize('events_n_idx');
		const out = await attempt(postgresMaintain, deps, await context(), { database: 'main', vacuum: true, analyze: true, reindex: 'bloated', report: true }).result;

		expect(out.vacuumed).toEqual(expect.arrayContaining(['public.accounts', 'public.events']));
		expect(out.analyzed).toEqual(out.vacuumed);
		const report = out.report!;
		expect(report.duplicates).toEqual([
			{ table: 'public.accounts', columns: 'email', predicate: null, indexes: ['public.accounts_email_copy_idx', 'public.accounts_email_idx'], keep: 'public.accounts_email_copy_idx', redundantBytes: expect.any(Number) }
		]);
		const unused = report.unused.map((u) => u.index);
		expect(unused).toEqual(expect.arrayContaining(['public.accounts_region_idx', 'public.events_n_idx']));
		expect(unused).not.toContain('public.accounts_created_idx');
		expect(unused).not.toContain('public.accounts_pkey');

		const bloated = report.bloated.map((b) => b.index);
		expect(bloated).toContain('public.events_n_idx');
		expect(report.bloated.find((b) => b.index === 'public.events_n_idx')!.bloatRatio).toBeGreaterThan(0.5);
		expect(bloated).not.toContain('public.accounts_email_idx');
		expect(out.reindexed).toEqual(expect.arrayContaining(bloated));
		expect(out.reindexed).not.toContain('public.accounts_email_idx');
		expect(await indexSize('events_n_idx')).toBeLessThan(before / 2);
		await withClient(url, async (c) => expect((await c.query('select count(*)::int as n from pg_index where not indisvalid')).rows[0].n).toBe(0));

		expect(out.summary).toContain('Unused indexes: ');
		expect(out.summary).toContain('public.accounts_region_idx');
		expect(out.summary).toContain('public.accounts_email_copy_idx = public.accounts_email_idx on public.accounts (email), keep public.accounts_email_copy_idx');
	});

	it('rebuilds only the named indexes when told which, and refuses a name the catalog does not know', async () => {
		const out = await attempt(postgresMaintain, deps, await context(), { database: 'main', reindex: ['accounts_email_idx'] }).result;
		expect(out).toMatchObject({ vacuumed: [], analyzed: [], reindexed: ['public.accounts_email_idx'], report: null });
		await expect(attempt(postgresMaintain, deps, await context(), { database: 'main', reindex: ['accounts_email_idx; drop table accounts'] }).result).rejects.toMatchObject({ type: 'InvalidStepParams' });
		await expect(attempt(postgresMaintain, deps, await context(), { database: 'main', reindex: ['no_such_idx'] }).result).rejects.toMatchObject({ type: 'InvalidStepParams', message: expect.stringContaining('index "no_such_idx" does not exist') });
		await withClient(url, async (c) => expect((await c.query(`select count(*)::int as n from accounts`)).rows[0].n).toBe(20000));
	});
});
