import { ApplicationFailure } from '@temporalio/activity';
import type pg from 'pg';
import { z } from 'zod';
import { nonRetryable, parseStepParams } from './failures.ts';
import { BUNDLE_NAME, BundleError, bundlesFolder, loadBundle, UnknownBundleError, type BundleScript, type MigrationBundle } from './migration-bundles.ts';
import { appendEntry, ensureLedger, latestEntry, ledgerTable, lockForSession, lockForTransaction } from './migration-ledger.ts';
import { durationMs, sqlFailure, withSqlSession } from './sql-session.ts';
import type { ActivityDeps, StepContext } from './step-context.ts';
import { targetDatabaseUrl } from './targets.ts';

export const migrateParams = z.object({
	database: z.string().min(1),
	bundle: z.string().regex(BUNDLE_NAME, 'must be a bundle name such as crm-1.1'),
	direction: z.enum(['up', 'down']).default('up'),
	lockTimeout: durationMs.default(5_000),
	statementTimeout: durationMs.default(300_000)
});

type Direction = z.infer<typeof migrateParams>['direction'];

export interface MigrateOutputs extends Record<string, unknown> {
	applied: boolean;
	version: string;
	durationMs: number;
}

interface Progress {
	phase: string;
	statement?: number;
	of?: number;
}

interface Apply {
	client: pg.ClientBase;
	bundle: MigrationBundle;
	direction: Direction;
	ctx: StepContext;
	progress: Progress;
	started: number;
}

function stepBundle(name: string, folder: string): MigrationBundle {
	try {
		return loadBundle(name, folder);
	} catch (error) {
		if (error instanceof UnknownBundleError) throw nonRetryable('InvalidStepParams', `postgres.migrate: ${error.message}`);
		if (error instanceof BundleError) throw nonRetryable('MigrationBundleInvalid', error.message);
		throw error;
	}
}

/**
 * Applies a bundle (or rolls it back with `direction: down`). Idempotent under retry through the
 * ledger in the target database: a bundle whose newest ledger row already says `direction`
 * is left alone and reported with `applied: false` (or `true`, when that row is this step's own).
 */
export async function postgresMigrate(deps: ActivityDeps, ctx: StepContext, raw: unknown, folder = bundlesFolder): Promise<MigrateOutputs> {
	const params = parseStepParams('postgres.migrate', migrateParams, raw);
	const bundle = stepBundle(params.bundle, folder);
	const url = await targetDatabaseUrl(deps, ctx.target, params.database, 'postgres.migrate');
	const progress: Progress = { phase: 'connecting' };
	const started = performance.now();
	const applied = await withSqlSession(
		url,
		{ statementTimeoutMs: params.statementTimeout, lockTimeoutMs: params.lockTimeout },
		(client) => {
			const apply = { client, bundle, direction: params.direction, ctx, progress, started };
			return bundle.transaction ? applyInTransaction(apply) : applyStatementByStatement(apply);
		},
		() => progress
	);
	return { applied, version: bundle.version, durationMs: Math.round(performance.now() - started) };
}

type LedgerState = 'pending' | 'done' | 'done by this step';

/**
 * What the ledger says about this bundle and direction. `done by this step`: an earlier attempt of
 * this very step committed it and was lost before it could report (a worker crash), so this
 * attempt reports it applied. A bundle changed since it was applied is refused.
 */
async function ledgerState({ client, bundle, direction, ctx }: Apply, table: string): Promise<LedgerState> {
	const latest = await latestEntry(client, table, bundle.name);
	const done = (): LedgerState => (latest?.runId === ctx.runId && latest.stepId === ctx.stepId ? 'done by this step' : 'done');
	if (direction === 'down') return latest?.direction === 'up' ? 'pending' : done();
	if (latest?.direction !== 'up') return 'pending';
	if (latest.checksum !== bundle.up.checksum) {
		throw nonRetryable(
			'MigrationChecksumMismatch',
			`bundle ${bundle.name} was applied from an up.sql with checksum ${latest.checksum.slice(0, 12)}…, but the file now has ${bundle.up.checksum.slice(0, 12)}…; a changed update needs a new bundle name`
		);
	}
	return done();
}

async function record(apply: Apply, table: string): Promise<void> {
	const { client, bundle, direction, ctx, started } = apply;
	const script = direction === 'up' ? bundle.up : bundle.down;
	await appendEntry(client, table, { bundle: bundle.name, version: bundle.version, direction, checksum: script.checksum, runId: ctx.runId, stepId: ctx.stepId, durationMs: Math.round(performance.now() - started) });
}

/**
 * The update, its verification and its ledger row in one transaction: a failed statement or a
 * failed verification rolls all of it back, the ledger table included if this created it.
 */
async function applyInTransaction(apply: Apply): Promise<boolean> {
	const { client, bundle, direction, progress } = apply;
	const script = direction === 'up' ? bundle.up : bundle.down;
	await client.query('begin');
	try {
		progress.phase = 'waiting for other migrations';
		await lockForTransaction(client);
		const table = await ledgerTable(client);
		await ensureLedger(client, table);
		const state = await ledgerState(apply, table);
		if (state !== 'pending') {
			await client.query('rollback');
			return state === 'done by this step';
		}
		progress.phase = `running ${script.file}`;
		try {
			// One simple-protocol message: the file's statements run in order inside this transaction.
			await client.query(script.sql);
		} catch (error) {
			throw sqlFailure(`bundle ${bundle.name} ${script.file}`, error, { sql: script.sql });
		}
		if (direction === 'up') await verify(apply, ' (nothing was applied: the update was rolled back with it)');
		await record(apply, table);
		await client.query('commit');
		return true;
	} catch (error) {
		await client.query('rollback').catch(() => {});
		throw error;
	}
}

/**
 * For bundles that cannot run in a transaction: each statement commits on its own, the ledger row
 * last. If `up` fails part-way (or fails its verification), down.sql undoes what ran, so a retry
 * starts clean; down.sql must therefore tolerate a half-applied update (IF EXISTS).
 */
async function applyStatementByStatement(apply: Apply): Promise<boolean> {
	const { client, bundle, direction, progress } = apply;
	const script = direction === 'up' ? bundle.up : bundle.down;
	progress.phase = 'waiting for other migrations';
	const unlock = await lockForSession(client);
	try {
		const table = await ledgerTable(client);
		await ensureLedger(client, table);
		const state = await ledgerState(apply, table);
		if (state !== 'pending') return state === 'done by this step';
		try {
			await runStatements(client, script, progress, bundle.name);
			if (direction === 'up') await verify(apply, '');
		} catch (error) {
			if (direction === 'down') throw error;
			throw await undo(apply, error);
		}
		await record(apply, table);
		return true;
	} finally {
		await unlock().catch(() => {});
	}
}

async function runStatements(client: pg.ClientBase, script: BundleScript, progress: Progress, bundle: string): Promise<void> {
	for (const [index, statement] of script.statements.entries()) {
		Object.assign(progress, { phase: `running ${script.file}`, statement: index + 1, of: script.statements.length });
		try {
			await client.query(statement.text);
		} catch (error) {
			throw sqlFailure(`bundle ${bundle} ${script.file}`, error, { sql: statement.text, firstLine: statement.line });
		}
	}
}

/** Runs down.sql after a failed non-transactional up; the failure then says whether the database is clean again. */
async function undo(apply: Apply, failure: unknown): Promise<unknown> {
	const { client, bundle, progress } = apply;
	const reason = failure instanceof Error ? failure.message : String(failure);
	const errors: string[] = [];
	for (const statement of bundle.down.statements) {
		progress.phase = 'undoing with down.sql';
		try {
			await client.query(statement.text);
		} catch (error) {
			errors.push(`line ${statement.line}: ${error instanceof Error ? error.message : String(error)}`);
		}
	}
	if (errors.length) {
		return nonRetryable('MigrationFailed', `${reason}; down.sql could not undo it (${errors.join('; ')}): the database may hold part of bundle ${bundle.name}, check it before trying again`);
	}
	if (!(failure instanceof ApplicationFailure)) return failure;
	return ApplicationFailure.create({ type: failure.type ?? undefined, nonRetryable: failure.nonRetryable ?? undefined, message: `${reason} (undone by down.sql)`, cause: failure.cause });
}

/** verify.sql: the first column of its first row must be true. */
async function verify({ client, bundle, progress }: Apply, consequence: string): Promise<void> {
	progress.phase = 'running verify.sql';
	const statement = bundle.verify.statements[0];
	let result: pg.QueryArrayResult;
	try {
		result = await client.query({ text: statement.text, rowMode: 'array' } as pg.QueryArrayConfig);
	} catch (error) {
		throw sqlFailure(`bundle ${bundle.name} verify.sql`, error, { sql: statement.text, firstLine: statement.line });
	}
	const value = result.rows[0]?.[0];
	if (value === true) return;
	const got = result.rows.length ? `its first column was ${JSON.stringify(value)}` : 'it returned no rows';
	throw nonRetryable('MigrationVerifyFailed', `bundle ${bundle.name} failed its verification: verify.sql must return true, but ${got}${consequence}`);
}
