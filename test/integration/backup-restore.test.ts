import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countsPath } from '../../activities/backup-paths.ts';
import { sha256OfBackup } from '../../activities/file-hash.ts';
import { createDb } from '../../db/client.ts';
import { targets } from '../../db/schema/index.ts';
import { putSecret, secretKeyFrom } from '../../shared/secrets.ts';
import type { RunView } from '../../web/src/lib/run-types.ts';
import { loginAsAdmin, runEnded, type ApiClient } from '../helpers/api.ts';
import { adminUrl, createOwnedDatabase, urlFor, withClient } from '../helpers/postgres.ts';
import { startWorker, type TestWorker } from '../helpers/worker.ts';

/**
 * postgres.backup (directory format, offsite copy), postgres.restore (scratch and in place, the
 * checksum checked first) and backup.prune, through published runbooks on the real stack, against
 * a target of the test's own whose main database is a scratch database seeded here.
 */
const suffix = randomBytes(4).toString('hex');
const target = `lab-${suffix}`;
const folders = { primary: join(process.env.TEST_HOME ?? '/tmp', 'lab', suffix, 'primary'), offsite: join(process.env.TEST_HOME ?? '/tmp', 'lab', suffix, 'offsite') };

const runbook = (name: string, inputs: string, steps: string) => `apiVersion: tend/v1
kind: Runbook
metadata: { name: ${name}-${suffix}, title: ${name} }
spec:
  target: ${target}
  inputs:
${inputs}
  steps:
${steps}`;

// Restores are high risk by default and would wait for an approval; approvals are tested elsewhere.
const RUNBOOKS = [
	runbook('lab-backup', '    format: { type: string, default: custom }', '    - { id: backup, uses: postgres.backup, with: { database: main, format: "${{ inputs.format }}", jobs: 2 } }\n'),
	runbook(
		'lab-restore-into',
		'    backup: { type: string, required: true }\n    scratch: { type: string, required: true }',
		'    - { id: restore, uses: postgres.restore, risk: low, with: { database: main, backup: "${{ inputs.backup }}", into: "${{ inputs.scratch }}" } }\n'
	),
	runbook('lab-restore-in-place', '    backup: { type: string, required: true }', '    - { id: restore, uses: postgres.restore, risk: low, with: { database: main, backup: "${{ inputs.backup }}" } }\n'),
	runbook('lab-prune', '    {}', '    - { id: prune, uses: backup.prune, with: { database: history, keep: { daily: 2, weekly: 2, monthly: 2 } } }\n')
];

const SEED = `
	create table customers (id int primary key, name text not null, email text, updated_at timestamptz not null);
	insert into customers select g, 'Customer ' || g, 'c' || g || '@example.test', timestamptz '2026-01-01' + g * interval '1 minute' from generate_series(1, 40000) g;
	create table orders (id int primary key, customer_id int not null references customers, total numeric(12, 2) not null);
	insert into orders select g, g % 40000 + 1, (g % 997) / 7.0 from generate_series(1, 60000) g;
	create index orders_customer_idx on orders (customer_id);
`;
const CHECKSUMS = `select (select md5(string_agg(t::text, '' order by id)) from customers t) as customers,
                          (select md5(string_agg(t::text, '' order by id)) from orders t) as orders`;

let api: ApiClient;
let worker: TestWorker;
let sourceUrl: string;

async function run(name: string, inputs: Record<string, unknown> = {}): Promise<RunView> {
	const started = await api.json<{ id: string }>('POST', `/api/v1/runbooks/${name}-${suffix}/runs`, { inputs });
	expect(started.status, JSON.stringify(started.body)).toBe(201);
	return runEnded<RunView>(api, started.body.id, 180_000);
}

async function backUp(format: 'custom' | 'directory') {
	const result = await run('lab-backup', { format });
	expect(result.status, result.error ?? '').toBe('succeeded');
	return result.steps[0].outputs as { backupId: string; path: string; sha256: string; sizeBytes: number; offsitePath: string };
}

const appQuery = <T>(text: string, params: unknown[] = []) => withClient(process.env.TEST_APP_DATABASE_URL!, async (c) => (await c.query(text, params)).rows as T[]);
const rowCounts = (url: string) => withClient(url, async (c) => (await c.query(`select (select count(*) from customers)::int as customers, (select count(*) from orders)::int as orders`)).rows[0]);
const databaseExists = async (name: string) => (await withClient(adminUrl(), (c) => c.query('select 1 from pg_database where datname = $1', [name]))).rowCount === 1;

/** The target's database URL is stored as an encrypted secret, as for any target. */
async function registerTarget(databaseUrl: string): Promise<void> {
	const env = JSON.parse(process.env.TEST_STACK_ENV!) as Record<string, string>;
	const db = createDb(env.DATABASE_URL, { max: 1 });
	try {
		await putSecret(db, secretKeyFrom(env.TEND_SECRET_KEY), `${target}-db`, databaseUrl);
		const document = {
			apiVersion: 'tend/v1',
			kind: 'Target',
			metadata: { name: target, title: `Restore lab ${suffix}` },
			spec: { databases: { main: { url: `secret:${target}-db` } }, backups: { location: `file:${folders.primary}`, offsite: `file:${folders.offsite}`, retention: { daily: 7 } } }
		};
		await db.insert(targets).values({ name: target, title: document.metadata.title, document });
	} finally {
		await db.$client.end();
	}
}

function flipAByte(path: string): void {
	const file = statSync(path).isDirectory() ? join(path, readdirSync(path).find((f) => f.endsWith('.dat.gz'))!) : path;
	const bytes = readFileSync(file);
	bytes[Math.floor(bytes.length / 2)] ^= 0xff;
	writeFileSync(file, bytes);
}

beforeAll(async () => {
	api = await loginAsAdmin();
	sourceUrl = await createOwnedDatabase('lab_src');
	await withClient(sourceUrl, (c) => c.query(SEED));
	await registerTarget(sourceUrl);
	for (const source of RUNBOOKS) {
		const published = await api.send('POST', '/api/v1/runbooks', source, 'application/yaml');
		expect(published.status, await published.text()).toBe(201);
	}
	worker = await startWorker();
}, 120_000);

afterAll(async () => {
	await worker?.stop();
});

describe('backups kept in two places and proven by restore', () => {
	it('dumps in directory format with two jobs, copies it offsite with the same sha256, and restores it into a scratch database', async () => {
		const backup = await backUp('directory');
		const files = readdirSync(backup.path);
		expect(files).toContain('toc.dat');
		expect(files.filter((f) => f.endsWith('.dat.gz')).length).toBeGreaterThanOrEqual(2);
		const primary = await sha256OfBackup(backup.path);
		expect(primary).toEqual({ sha256: backup.sha256, sizeBytes: backup.sizeBytes });
		expect(backup.offsitePath).toBe(join(folders.offsite, backup.backupId));
		expect(await sha256OfBackup(backup.offsitePath)).toEqual(primary);
		const [row] = await appQuery<{ offsite_path: string; format: string }>('select offsite_path, format from backups where id = $1', [backup.backupId]);
		expect(row).toEqual({ offsite_path: backup.offsitePath, format: 'directory' });

		const scratch = `lab_scratch_${suffix}`;
		const restored = await run('lab-restore-into', { backup: backup.backupId, scratch });
		expect(restored.status, restored.error ?? '').toBe('succeeded');
		expect(restored.steps[0].outputs).toMatchObject({ database: scratch, backupId: backup.backupId, restoredFrom: 'primary' });
		expect(await rowCounts(urlFor(scratch))).toEqual(await rowCounts(sourceUrl));
		expect(await withClient(urlFor(scratch), (c) => c.query(CHECKSUMS)).then((r) => r.rows[0])).toEqual(await withClient(sourceUrl, (c) => c.query(CHECKSUMS)).then((r) => r.rows[0]));

		// A second restore into the same scratch database starts it afresh rather than failing on what is there.
		const again = await run('lab-restore-into', { backup: backup.backupId, scratch });
		expect(again.status, again.error ?? '').toBe('succeeded');
		expect(await rowCounts(urlFor(scratch))).toEqual(await rowCounts(sourceUrl));
	});

	it('restores from the offsite copy when the primary is damaged, and refuses when both are, before creating anything', async () => {
		const backup = await backUp('custom');
		flipAByte(backup.path);
		const fromOffsite = await run('lab-restore-into', { backup: backup.backupId, scratch: `lab_offsite_${suffix}` });
		expect(fromOffsite.status, fromOffsite.error ?? '').toBe('succeeded');
		expect(fromOffsite.steps[0].outputs).toMatchObject({ restoredFrom: 'offsite' });
		expect(await rowCounts(urlFor(`lab_offsite_${suffix}`))).toEqual(await rowCounts(sourceUrl));

		flipAByte(backup.offsitePath);
		const damaged = (await sha256OfBackup(backup.path)).sha256;
		const scratch = `lab_refused_${suffix}`;
		const refused = await run('lab-restore-into', { backup: backup.backupId, scratch });
		expect(refused.status).toBe('failed');
		const step = refused.steps[0];
		expect(step.status).toBe('failed');
		// Non-retryable: a retry would read the same bytes.
		expect(step.attempts).toBe(1);
		expect(step.error).toContain('fails its checksum');
		expect(step.error).toContain(`expected sha256 ${backup.sha256}`);
		expect(step.error).toContain(damaged);
		expect(await databaseExists(scratch)).toBe(false);
	});

	it('restores in place: after updates, deletes and new objects the database equals its state at backup time', async () => {
		const atBackup = await withClient(sourceUrl, async (c) => (await c.query(CHECKSUMS)).rows[0]);
		const backup = await backUp('custom');
		await withClient(sourceUrl, (c) =>
			c.query(`
				update customers set name = 'changed' where id % 10 = 0;
				delete from orders where id > 50000;
				insert into customers select g, 'late', null, now() from generate_series(40001, 40100) g;
				alter table customers add column tier text;
				create table extra (id int);
				create schema other;
				create table other.notes (body text);
			`)
		);
		expect(await withClient(sourceUrl, async (c) => (await c.query(CHECKSUMS)).rows[0])).not.toEqual(atBackup);

		const restored = await run('lab-restore-in-place', { backup: backup.backupId });
		expect(restored.status, restored.error ?? '').toBe('succeeded');
		expect(restored.steps[0].outputs).toMatchObject({ database: 'main', backupId: backup.backupId });
		expect(await withClient(sourceUrl, async (c) => (await c.query(CHECKSUMS)).rows[0])).toEqual(atBackup);
		const objects = await withClient(sourceUrl, async (c) => ({
			tables: (await c.query(`select table_schema || '.' || table_name as name from information_schema.tables where table_schema not in ('pg_catalog', 'information_schema') order by 1`)).rows.map((r) => r.name),
			columns: (await c.query(`select column_name from information_schema.columns where table_name = 'customers' order by ordinal_position`)).rows.map((r) => r.column_name),
			indexes: (await c.query(`select indexname from pg_indexes where schemaname = 'public' order by 1`)).rows.map((r) => r.indexname)
		}));
		expect(objects).toEqual({ tables: ['public.customers', 'public.orders'], columns: ['id', 'name', 'email', 'updated_at'], indexes: ['customers_pkey', 'orders_customer_idx', 'orders_pkey'] });
	});
});

describe('the built-in crm-restore-latest runbook', () => {
	it("restores crm-demo's newest backup into its scratch database and tells the responders", async () => {
		const start = async (name: string, inputs: Record<string, unknown>) => {
			const started = await api.json<{ id: string }>('POST', `/api/v1/runbooks/${name}/runs`, { inputs });
			expect(started.status, JSON.stringify(started.body)).toBe(201);
			return runEnded<RunView>(api, started.body.id, 240_000);
		};
		const nightly = await start('crm-nightly-backup', {});
		expect(nightly.status, nightly.error ?? '').toBe('succeeded');
		const scratch = `crm_drill_${suffix}`;
		const restored = await start('crm-restore-latest', { scratch });
		expect(restored.status, restored.error ?? '').toBe('succeeded');
		expect(restored.steps[0].outputs).toMatchObject({ database: scratch, backupId: (nightly.steps[0].outputs as { backupId: string }).backupId, restoredFrom: 'primary' });
		const customers = (url: string) => withClient(url, async (c) => Number((await c.query('select count(*) from customers')).rows[0].count));
		expect(await customers(urlFor(scratch))).toBe(await customers(process.env.TEST_CRM_DATABASE_URL!));
		const mail = await appQuery<{ subject: string }>('select subject from mail_sink where subject like $1', [`%restored into ${scratch}%`]);
		expect(mail.length).toBeGreaterThan(0);
	});
});

describe('backup.prune', () => {
	// Newest first. daily 2, weekly 2, monthly 2 keep: d-sun-late (its day, week W47 and November), d-sat (its day),
	// w46 (week W46), oct (October); and proven, the newest verified backup, however old.
	const catalogue = [
		{ n: 'd-sun-late', at: '2026-11-22T23:00:00Z', keep: true },
		{ n: 'd-sun-early', at: '2026-11-22T01:00:00Z', keep: false },
		{ n: 'd-sat', at: '2026-11-21T01:00:00Z', keep: true },
		{ n: 'd-fri', at: '2026-11-20T01:00:00Z', keep: false },
		{ n: 'w46', at: '2026-11-12T01:00:00Z', keep: true },
		{ n: 'w45', at: '2026-11-05T01:00:00Z', keep: false },
		{ n: 'oct', at: '2026-10-15T01:00:00Z', keep: true },
		{ n: 'sep', at: '2026-09-15T01:00:00Z', keep: false },
		{ n: 'proven', at: '2026-06-01T01:00:00Z', keep: true, verified: true },
		{ n: 'proven-older', at: '2026-05-01T01:00:00Z', keep: false, verified: true }
	].map((b, i) => ({ ...b, id: `bk-lab-${suffix}-${b.n}`, bytes: 1000 + i }));

	beforeAll(async () => {
		for (const b of catalogue) {
			const path = join(folders.primary, `${b.id}.dump`);
			const offsite = join(folders.offsite, `${b.id}.dump`);
			for (const file of [path, offsite]) {
				mkdirSync(join(file, '..'), { recursive: true });
				writeFileSync(file, Buffer.alloc(b.bytes, 7));
				writeFileSync(countsPath(file), '{}');
			}
			await appQuery(
				`insert into backups (id, target, database, format, path, size_bytes, sha256, started_at, duration_ms, verified_at, offsite_path)
				 values ($1, $2, 'history', 'custom', $3, $4, $5, $6, 100, $7, $8)`,
				[b.id, target, path, b.bytes, 'f'.repeat(64), b.at, b.verified ? b.at : null, offsite]
			);
		}
	});

	it('keeps the newest backup of each recent day, ISO week and month and the newest verified one, deletes the rest with their offsite copies, and is idempotent', async () => {
		const first = await run('lab-prune');
		expect(first.status, first.error ?? '').toBe('succeeded');
		const pruned = catalogue.filter((b) => !b.keep);
		expect(first.steps[0].outputs).toMatchObject({ kept: 5, pruned: pruned.length, freedBytes: pruned.reduce((sum, b) => sum + 2 * b.bytes, 0) });

		const rows = await appQuery<{ id: string; pruned_at: Date | null }>('select id, pruned_at from backups where target = $1 and database = $2', [target, 'history']);
		const prunedIds = rows.filter((r) => r.pruned_at).map((r) => r.id).sort();
		expect(prunedIds).toEqual(pruned.map((b) => b.id).sort());
		for (const b of catalogue) {
			for (const folder of [folders.primary, folders.offsite]) {
				expect(existsSync(join(folder, `${b.id}.dump`)), `${b.n} in ${folder}`).toBe(b.keep);
				expect(existsSync(countsPath(join(folder, `${b.id}.dump`)))).toBe(b.keep);
			}
		}
		// Backups of other databases of the same target are not its business.
		expect((await appQuery('select 1 from backups where target = $1 and database = $2 and pruned_at is not null', [target, 'main'])).length).toBe(0);

		const second = await run('lab-prune');
		expect(second.steps[0].outputs).toMatchObject({ kept: 5, pruned: 0, freedBytes: 0 });
	});
});
