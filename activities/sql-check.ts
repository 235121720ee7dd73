import { ApplicationFailure } from '@temporalio/activity';
import type pg from 'pg';
import { z } from 'zod';
import { nonRetryable, parseStepParams } from './failures.ts';
import { jsonSafeRows } from './json-rows.ts';
import { manyStatementsMessage } from '../runbooks/sql-one-statement.ts';
import { durationMs, isManyStatementsError, sqlFailure, withSqlSession } from './sql-session.ts';
import type { ActivityDeps, StepContext } from './step-context.ts';
import { targetDatabaseUrl } from './targets.ts';

export const sqlValue = z.union([z.string(), z.number(), z.boolean(), z.null()]);

export const sqlCheckParams = z.object({
	database: z.string().min(1),
	query: z.string().min(1),
	params: z.array(sqlValue).default([]),
	statementTimeout: durationMs.default(30_000)
});

export interface SqlCheckOutputs extends Record<string, unknown> {
	ok: boolean;
	rows: Record<string, unknown>[];
}

/** Rows as objects keyed by column name, from a query run in array mode (which keeps the column order). */
export function rowObjects(result: pg.QueryArrayResult): Record<string, unknown>[] {
	const names = result.fields.map((f) => f.name);
	return result.rows.map((row) => Object.fromEntries(names.map((name, i) => [name, row[i]])));
}

/**
 * A read-only assertion: passes when the first column of the first row is true. Reading changes
 * nothing, so a retry is simply the same check again.
 */
export async function sqlCheck(deps: ActivityDeps, ctx: StepContext, raw: unknown): Promise<SqlCheckOutputs> {
	const params = parseStepParams('sql.check', sqlCheckParams, raw);
	const url = await targetDatabaseUrl(deps, ctx.target, params.database, 'sql.check');
	let result: pg.QueryArrayResult;
	try {
		result = await withSqlSession(url, { statementTimeoutMs: params.statementTimeout }, async (client) => {
			await client.query('begin transaction isolation level repeatable read read only');
			// With its snapshot taken, the transaction can no longer be switched to read write by the check's own SQL.
			await client.query('select 1');
			try {
				// The extended protocol takes exactly one statement: `select …; commit; delete …` is refused, not run.
				return await client.query({ text: params.query, values: params.params, rowMode: 'array', queryMode: 'extended' } as pg.QueryArrayConfig);
			} finally {
				await client.query('rollback').catch(() => {});
			}
		});
	} catch (error) {
		// Only a query built by an expression gets here with several statements: publish refuses a literal one.
		if (isManyStatementsError(error)) throw nonRetryable('InvalidStepParams', manyStatementsMessage('sql.check'));
		throw sqlFailure('sql.check', error, { sql: params.query });
	}

	const rows = rowObjects(result);
	const outputs = { ok: result.rows[0]?.[0] === true, rows: jsonSafeRows(rows) };
	if (outputs.ok) return outputs;
	if (!result.rows.length) throw checkFailed('sql.check failed: the query returned no rows (it must return a row whose first column is true)');
	const first = JSON.stringify(outputs.rows[0]).slice(0, 500);
	const value = result.rows[0][0];
	const why = typeof value === 'boolean' || value === null ? `its first column is ${value}` : `its first column is ${typeof value} ${JSON.stringify(value)}, not a boolean`;
	throw checkFailed(`sql.check failed: ${why}; first row ${first}${result.rows.length > 1 ? ` (of ${result.rows.length})` : ''}`);
}

/**
 * A check that answered "no" is the step's verdict, not an accident: the workflow tries it again
 * only when the author gave the step a `retry` (a polling check), never by default.
 */
function checkFailed(message: string): ApplicationFailure {
	return ApplicationFailure.create({ type: 'SqlCheckFailed', message, nonRetryable: false });
}
