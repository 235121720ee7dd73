import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { splitSqlStatements, type SqlStatement } from '../runbooks/sql-statements.ts';

/**
 * Versioned SQL bundles (migrations/<bundle>/): the SQL an update runs is a file in the
 * repository, reviewed like code, never text built from a runbook's inputs. A runbook names a
 * bundle; the name is looked up in the folder list, so it can never reach outside it.
 */
export const bundlesFolder = fileURLToPath(new URL('../migrations', import.meta.url));

export const BUNDLE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

export interface BundleScript {
	file: string;
	sql: string;
	/** sha256 of the file's bytes, kept in the ledger: a bundle changed after it was applied is noticed. */
	checksum: string;
	statements: SqlStatement[];
}

export interface MigrationBundle {
	name: string;
	version: string;
	description: string;
	/** False for bundles holding statements that cannot run inside a transaction (CREATE INDEX CONCURRENTLY, …). */
	transaction: boolean;
	up: BundleScript;
	down: BundleScript;
	verify: BundleScript;
}

export class BundleError extends Error {
	override name = 'BundleError';
}

const manifestSchema = z.strictObject({
	version: z.string({ error: 'version must be a quoted string, such as "1.10" (unquoted, YAML reads 1.10 as the number 1.1)' }).min(1),
	description: z.string().min(1),
	transaction: z.boolean().default(true)
});

/** Bundles are the folders holding a bundle.yaml; anything else in migrations/ (a README) is not one. */
export function bundleNames(folder = bundlesFolder): string[] {
	if (!existsSync(folder)) return [];
	return readdirSync(folder)
		.filter((name) => BUNDLE_NAME.test(name) && statSync(join(folder, name)).isDirectory() && existsSync(join(folder, name, 'bundle.yaml')))
		.sort();
}

export class UnknownBundleError extends BundleError {
	override name = 'UnknownBundleError';
}

export function loadBundle(name: string, folder = bundlesFolder): MigrationBundle {
	const known = bundleNames(folder);
	if (!known.includes(name)) throw new UnknownBundleError(`there is no migration bundle "${name}"${known.length ? ` (bundles: ${known.join(', ')})` : ''}`);
	const dir = join(folder, name);

	let raw: unknown;
	try {
		raw = parseYaml(readFileSync(join(dir, 'bundle.yaml'), 'utf8'));
	} catch (error) {
		throw new BundleError(`bundle ${name}: bundle.yaml is not valid YAML: ${(error as Error).message}`);
	}
	const manifest = manifestSchema.safeParse(raw ?? {});
	if (!manifest.success) {
		throw new BundleError(`bundle ${name}: bundle.yaml: ${manifest.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
	}

	const script = (file: string): BundleScript => {
		const path = join(dir, file);
		if (!existsSync(path)) throw new BundleError(`bundle ${name}: ${file} is missing (a bundle needs up.sql, down.sql and verify.sql)`);
		const bytes = readFileSync(path);
		const sql = bytes.toString('utf8');
		const statements = splitSqlStatements(sql);
		if (!statements.length) throw new BundleError(`bundle ${name}: ${file} holds no SQL statement`);
		for (const statement of statements) {
			if (controlsTransaction(statement)) {
				throw new BundleError(`bundle ${name}: ${file} line ${statement.line}: ${statement.words[0].toUpperCase()} is not allowed; Tend opens and ends the transaction itself`);
			}
		}
		return { file, sql, checksum: createHash('sha256').update(bytes).digest('hex'), statements };
	};

	const bundle: MigrationBundle = { name, ...manifest.data, up: script('up.sql'), down: script('down.sql'), verify: script('verify.sql') };

	if (bundle.verify.statements.length !== 1) {
		throw new BundleError(`bundle ${name}: verify.sql must be one query whose first column of its first row is true when the update is in place (it has ${bundle.verify.statements.length} statements)`);
	}
	if (bundle.transaction) {
		for (const part of [bundle.up, bundle.down]) {
			const outside = part.statements.find(needsOwnTransaction);
			if (outside) {
				throw new BundleError(
					`bundle ${name}: ${part.file} line ${outside.line}: "${outside.words.slice(0, 4).join(' ')} …" cannot run inside a transaction; set transaction: false in bundle.yaml (each statement then commits on its own)`
				);
			}
		}
	}
	return bundle;
}

const TRANSACTION_CONTROL = new Set(['begin', 'commit', 'rollback', 'end', 'abort', 'savepoint', 'release']);

function controlsTransaction({ words }: SqlStatement): boolean {
	const [first, second] = words;
	return TRANSACTION_CONTROL.has(first) || (first === 'start' && second === 'transaction') || (first === 'prepare' && second === 'transaction');
}

/** Statements PostgreSQL refuses inside a transaction block. */
function needsOwnTransaction({ words }: SqlStatement): boolean {
	const [first, second] = words;
	if (first === 'vacuum') return true;
	if ((first === 'create' || first === 'drop') && (second === 'database' || second === 'tablespace')) return true;
	if (first === 'alter' && second === 'system') return true;
	// CREATE/DROP INDEX, REINDEX and ALTER TABLE … DETACH PARTITION CONCURRENTLY; REFRESH … CONCURRENTLY may run in one.
	return ['create', 'drop', 'reindex', 'alter'].includes(first) && words.includes('concurrently');
}
