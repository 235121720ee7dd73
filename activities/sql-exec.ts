import { eq } from 'drizzle-orm';
import type pg from 'pg';
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

/**
 * Admin SQL: one statement (the extended protocol refuses more), committed on its own. A retry
 * after it committed finds the run event written right after and returns its row count instead
 * of running the statement again; only a crash between the commit and that write can repeat it,
 * so admin SQL should still be written to be safe to run twice.
 */
export async function sqlExec(deps: ActivityDeps, ctx: StepContext, raw: unknown): Promise<SqlExecOutputs> {
	const params = parseStepParams('sql.exec', sqlExecParams, raw);
	const key = `sql-exec:${ctx.runId}:${ctx.stepId}`;
	const [done] = await deps.db.select({ message: runEvents.message }).from(runEvents).where(eq(runEvents.key, key));
	const previous = EXECUTED.exec(done?.message ?? '');
	if (previous) return { rowCount: Number(previous[1]) };

	const url = await targetDatabaseUrl(deps, ctx.target, params.database);
	let rowCount: number;
	try {
		rowCount = await withSqlSession(url, { statementTimeoutMs: params.statementTimeout, lockTimeoutMs: params.lockTimeout }, async (client) => {
			const result = await client.query({ text: params.query, values: params.params, queryMode: 'extended' } as pg.QueryConfig);
			return result.rowCount ?? 0;
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
