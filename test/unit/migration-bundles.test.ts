import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BundleError, bundleNames, bundlesFolder, loadBundle, UnknownBundleError } from '../../activities/migration-bundles.ts';

let folder: string;

/** Writes a bundle folder; a file given as null is left out. */
function writeBundle(name: string, files: Partial<Record<'bundle.yaml' | 'up.sql' | 'down.sql' | 'verify.sql', string | null>> = {}) {
	const all = { 'bundle.yaml': 'version: "1.0"\ndescription: a test bundle\n', 'up.sql': 'create table t (id int);', 'down.sql': 'drop table if exists t;', 'verify.sql': "select to_regclass('t') is not null;", ...files };
	mkdirSync(join(folder, name), { recursive: true });
	for (const [file, text] of Object.entries(all)) if (text !== null) writeFileSync(join(folder, name, file), text);
}

const failure = (name: string) => {
	try {
		loadBundle(name, folder);
	} catch (error) {
		return error as Error;
	}
	throw new Error(`bundle ${name} loaded`);
};

beforeEach(() => {
	folder = mkdtempSync(join(tmpdir(), 'tend-bundles-'));
});
afterEach(() => rmSync(folder, { recursive: true, force: true }));

describe('migration bundles', () => {
	it('loads the demo CRM bundles, in one transaction each, with checksums of their files', () => {
		expect(bundleNames()).toEqual(expect.arrayContaining(['crm-1.1', 'crm-1.2', 'crm-1.3']));
		for (const name of ['crm-1.1', 'crm-1.2', 'crm-1.3']) {
			const bundle = loadBundle(name);
			expect(bundle).toMatchObject({ name, version: name.slice(4), transaction: true });
			expect(bundle.up.checksum).toBe(createHash('sha256').update(readFileSync(join(bundlesFolder, name, 'up.sql'))).digest('hex'));
			expect(bundle.verify.statements).toHaveLength(1);
			expect(bundle.down.statements.length).toBeGreaterThan(0);
		}
	});

	it('knows only folders with a bundle.yaml, so a name cannot reach outside the folder', () => {
		writeBundle('app-2.0');
		mkdirSync(join(folder, 'notes'));
		writeFileSync(join(folder, 'README.md'), '# bundles');
		expect(bundleNames(folder)).toEqual(['app-2.0']);
		for (const name of ['notes', '../app-2.0', 'app-2.0/../app-2.0', 'README.md', '']) {
			const error = failure(name);
			expect(error).toBeInstanceOf(UnknownBundleError);
			expect(error.message).toContain('(bundles: app-2.0)');
		}
	});

	it('refuses an unquoted version, which YAML would read as a number', () => {
		writeBundle('b', { 'bundle.yaml': 'version: 1.10\ndescription: d\n' });
		expect(failure('b').message).toMatch(/bundle b: bundle.yaml: version: version must be a quoted string/);
	});

	it('refuses unknown keys and a missing description in bundle.yaml', () => {
		writeBundle('b', { 'bundle.yaml': 'version: "2"\ntransactional: false\n' });
		const message = failure('b').message;
		expect(message).toContain('description');
		expect(message).toContain('transactional');
	});

	it('needs up.sql, down.sql and verify.sql, each holding SQL', () => {
		writeBundle('no-down', { 'down.sql': null });
		expect(failure('no-down').message).toBe('bundle no-down: down.sql is missing (a bundle needs up.sql, down.sql and verify.sql)');
		writeBundle('empty-up', { 'up.sql': '-- nothing yet\n' });
		expect(failure('empty-up').message).toBe('bundle empty-up: up.sql holds no SQL statement');
	});

	it('wants verify.sql to be exactly one query', () => {
		writeBundle('b', { 'verify.sql': 'select true; select false;' });
		expect(failure('b').message).toMatch(/verify.sql must be one query .* \(it has 2 statements\)/);
	});

	it('refuses transaction control, since Tend opens and ends the transaction', () => {
		writeBundle('b', { 'up.sql': 'create table t (id int);\nCOMMIT;\ncreate index on t (id);' });
		expect(failure('b').message).toBe('bundle b: up.sql line 2: COMMIT is not allowed; Tend opens and ends the transaction itself');
		writeBundle('c', { 'down.sql': 'start transaction;\ndrop table t;' });
		expect(failure('c').message).toMatch(/^bundle c: down.sql line 1: START is not allowed/);
	});

	it('points at a statement that cannot run in a transaction, and accepts it with transaction: false', () => {
		const up = 'alter table t add column a int;\n\ncreate index concurrently t_a_idx on t (a);\n';
		writeBundle('b', { 'up.sql': up });
		const error = failure('b');
		expect(error).toBeInstanceOf(BundleError);
		expect(error.message).toBe('bundle b: up.sql line 3: "create index concurrently t_a_idx …" cannot run inside a transaction; set transaction: false in bundle.yaml (each statement then commits on its own)');

		writeBundle('c', { 'bundle.yaml': 'version: "1"\ndescription: d\ntransaction: false\n', 'up.sql': up, 'down.sql': 'drop index concurrently if exists t_a_idx;\nalter table t drop column if exists a;' });
		const bundle = loadBundle('c', folder);
		expect(bundle.transaction).toBe(false);
		expect(bundle.up.statements.map((s) => s.line)).toEqual([1, 3]);
	});

	it('lets a transactional bundle refresh a materialized view concurrently, which PostgreSQL allows in a transaction', () => {
		writeBundle('b', { 'up.sql': 'refresh materialized view concurrently report;' });
		expect(loadBundle('b', folder).transaction).toBe(true);
	});
});
