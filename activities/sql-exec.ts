import { eq } from 'drizzle-orm';
import pg from 'pg';
import { z } from 'zod';
import { runEvents } from '../db/schema/index.ts';
import { nonRetryable, parseStepParams, untilTendAnswers } from './failures.ts';
import { sqlValue } from './sql-check.ts';
import { manyStatementsMessage } from '../runbooks/sql-one-statement.ts';
import { durationMs, isManyStatementsError, sqlFailure, withSqlSession } from './sql-session.ts';
import type { ActivityDeps, StepContext } from './step-context.ts';
import { targetDatabaseUrl } from './targets.ts';

export const sqlExecParams = z.object({
	database: z.string().min(1),
	query: z.string().min(1),
	params: z.array(sqlValue).default([]),
	statementTimeout: durationMs.default(300_000),
	lockTimeout: durationMs.default(5_000)
});

export interface SqlExecOutputs extends Record<string, unknown> {
	rowCount: number;
}

const EXECUTED = /^sql\.exec affected (\d+) rows?$/;

/** Targets whose connection role could create the ledger table, and where it lives (per worker process). */
const ledgers = new Map<string, string | null>();

/**
 * `tend_exec_ledger` in the target's current schema, created on first use: the record of each
 * executed statement commits in the same transaction as the statement, so no crash anywhere can
 * make a retry run it twice. Null when the role may not create it; the step then falls back to
 * Tend's own record.
 */
async function execLedger(client: pg.ClientBase, url: string): Promise<string | null> {
	if (ledgers.has(url)) return ledgers.get(url)!;
	let table: string | null = null;
	try {
		const { rows } = await client.query<{ schema: string | null }>('select current_schema() as schema');
		if (rows[0]?.schema) {
			table = `${pg.escapeIdentifier(rows[0].schema)}.tend_exec_ledger`;
			await client.query(`create table if not exists ${table} (key text primary key, row_count bigint not null, executed_at timestamptz not null default now())`);
		}
	} catch (error) {
		// Several first steps at once race to create it; the losers see it created by the winner, not a refusal.
		const raced = error instanceof pg.DatabaseError && (error.code === '23505' || error.code === '42P07');
		if (!raced) table = null;
	}
	ledgers.set(url, table);
	return table;
}

/** PostgreSQL refuses some statements (VACUUM, CREATE INDEX CONCURRENTLY) inside a transaction. */
const isNoTransactionStatement = (error: unknown) => error instanceof pg.DatabaseError && error.code === '25001';

/**
 * Admin SQL: one statement (the extended protocol refuses more). It runs in one transaction with
 * its record in the target's `tend_exec_ledger`, so a retry after it committed — whatever crashed,
 * when — finds the record and returns its row count instead of running it again. Where that is
 * impossible (the role may not create the table, or the statement refuses a transaction) it runs
 * on its own and Tend's own record, written right after, guards the retry: then only a crash
 * between the commit and that write can repeat it.
 */
export async function sqlExec(deps: ActivityDeps, ctx: StepContext, raw: unknown): Promise<SqlExecOutputs> {
	const params = parseStepParams('sql.exec', sqlExecParams, raw);
	const key = `sql-exec:${ctx.runId}:${ctx.stepId}`;
	const [done] = await deps.db.select({ message: runEvents.message }).from(runEvents).where(eq(runEvents.key, key));
	const previous = EXECUTED.exec(done?.message ?? '');
	if (previous) return { rowCount: Number(previous[1]) };

	const url = await targetDatabaseUrl(deps, ctx.target, params.database, 'sql.exec');
	let rowCount: number;
	try {
		rowCount = await withSqlSession(url, { statementTimeoutMs: params.statementTimeout, lockTimeoutMs: params.lockTimeout }, async (client) => {
			const statement = { text: params.query, values: params.params, queryMode: 'extended' } as pg.QueryConfig;
			const ledger = await execLedger(client, url);
			if (ledger) {
				await client.query('begin');
				try {
					const prior = await client.query<{ row_count: string }>(`select row_count from ${ledger} where key = $1`, [key]);
					if (prior.rows.length) {
						await client.query('rollback');
						return Number(prior.rows[0].row_count);
					}
					const result = await client.query(statement);
					await client.query(`insert into ${ledger} (key, row_count) values ($1, $2)`, [key, result.rowCount ?? 0]);
					await client.query('commit');
					return result.rowCount ?? 0;
				} catch (error) {
					await client.query('rollback').catch(() => {});
					if (!isNoTransactionStatement(error)) throw error;
				}
			}
			return (await client.query(statement)).rowCount ?? 0;
		});
	} catch (error) {
		// Only a query built by an expression gets here with several statements: publish refuses a literal one.
		if (isManyStatementsError(error)) throw nonRetryable('InvalidStepParams', manyStatementsMessage('sql.exec'));
		throw sqlFailure('sql.exec', error, { sql: params.query });
	}
	// The statement has committed: its record must land, or a retry would run it again.
	await untilTendAnswers(() =>
		deps.db
			.insert(runEvents)
			.values({ runId: ctx.runId, stepId: ctx.stepId, key, status: 'executed', message: `sql.exec affected ${rowCount} row${rowCount === 1 ? '' : 's'}` })
			.onConflictDoNothing()
	);
	return { rowCount };
}
