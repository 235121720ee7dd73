import { ApplicationFailure, Context } from '@temporalio/activity';
import pg from 'pg';
import { z } from 'zod';
import { DURATION_PATTERN, parseDuration } from '../runbooks/duration.ts';
import { withPgClient } from './pg-tools.ts';
import { borrowConnection } from './target-pools.ts';

/**
 * A connection to a target database for a SQL step, borrowed from the worker's pool for that
 * database (activities/target-pools.ts): its own session timeouts for this use, heartbeats while
 * the SQL runs (so a lost worker is noticed and cancellation reaches the step), and a cancelled
 * activity cancels the statement on the server instead of leaving it running there.
 */
export interface SessionLimits {
	statementTimeoutMs: number;
	lockTimeoutMs?: number;
}

/** A duration from `with` (`30s`, `5m`, or milliseconds); 0 turns the limit off, as in PostgreSQL. */
export const durationMs = z.union([z.number().int().nonnegative(), z.string().regex(DURATION_PATTERN, 'must be a duration such as 5s or 5m')]).transform((v) => parseDuration(v));

const HEARTBEAT_MS = 2000;

export async function withSqlSession<T>(url: string, limits: SessionLimits, work: (client: pg.ClientBase) => Promise<T>, progress: () => unknown = () => undefined): Promise<T> {
	const activity = Context.current();
	const { client, release } = await borrowConnection(url);
	// A local activity (a short step on the run's own worker) has no heartbeat to send.
	const heartbeat = activity.info.isLocal ? undefined : setInterval(() => activity.heartbeat(progress()), HEARTBEAT_MS);
	const pid = (client as unknown as { processID: number }).processID;
	let cancelled = false;
	const cancel = () => {
		cancelled = true;
		void cancelBackend(url, pid);
	};
	activity.cancellationSignal.addEventListener('abort', cancel, { once: true });
	try {
		await client.query("select set_config('statement_timeout', $1, false), set_config('lock_timeout', $2, false)", [`${limits.statementTimeoutMs}ms`, `${limits.lockTimeoutMs ?? 0}ms`]);
		return await work(client);
	} catch (error) {
		if (activity.cancellationSignal.aborted) throw activity.cancellationSignal.reason;
		throw error;
	} finally {
		clearInterval(heartbeat);
		activity.cancellationSignal.removeEventListener('abort', cancel);
		// After a cancel the server may still be cancelling this connection's statement: never lend it again.
		await release(cancelled);
	}
}

async function cancelBackend(url: string, pid: number): Promise<void> {
	// If this fails, the step still ends; its statement then runs on until its statement_timeout.
	await withPgClient(url, (other) => other.query('select pg_cancel_backend($1)', [pid])).catch(() => {});
}

/**
 * SQLSTATE classes a retry cannot mend: the SQL itself is wrong (42: syntax, unknown table), the
 * data refuses it (22, 23), the transaction forbids it (25: a write in a read-only check), or the
 * credentials or database are wrong (28, 3D). Lock and statement timeouts, deadlocks, serialization
 * failures and lost connections are worth another attempt.
 */
const PERMANENT_CLASSES = new Set(['0A', '21', '22', '23', '25', '26', '28', '2B', '34', '3D', '3F', '42', '44', 'P0']);

export function isPermanentSqlError(error: unknown): error is pg.DatabaseError {
	return error instanceof pg.DatabaseError && typeof error.code === 'string' && PERMANENT_CLASSES.has(error.code.slice(0, 2));
}

/** PostgreSQL's refusal of a query holding several statements, which the extended protocol cannot take. */
export function isManyStatementsError(error: unknown): boolean {
	return error instanceof pg.DatabaseError && error.code === '42601' && error.message.includes('multiple commands');
}

/** The step's view of a SQL error: permanent ones stop the step at once, with where they happened. */
export function sqlFailure(where: string, error: unknown, source?: { sql: string; firstLine?: number }): unknown {
	if (error instanceof ApplicationFailure || !(error instanceof pg.DatabaseError)) return error;
	// A statement run on its own has its line in the file even when PostgreSQL reports no position.
	const line = source && (error.position ? lineAt(source.sql, Number(error.position)) + (source.firstLine ?? 1) - 1 : source.firstLine);
	const at = line ? ` (line ${line})` : '';
	const message = `${where}${at}: ${error.message}${error.detail ? ` — ${error.detail}` : ''} [SQLSTATE ${error.code}]`;
	return ApplicationFailure.create({ type: isPermanentSqlError(error) ? 'SqlError' : 'SqlTransientError', nonRetryable: isPermanentSqlError(error), message, cause: error });
}

/** 1-based line of a 1-based character position, as PostgreSQL reports it. */
function lineAt(sql: string, position: number): number {
	let line = 1;
	for (let i = 0; i < Math.min(position - 1, sql.length); i++) if (sql[i] === '\n') line++;
	return line;
}
