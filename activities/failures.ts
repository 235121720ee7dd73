import { ApplicationFailure, Context } from '@temporalio/activity';
import { DrizzleQueryError } from 'drizzle-orm/errors';
import { TEND_UNAVAILABLE } from '../workflows/definitions.ts';
import type { z } from 'zod';

/**
 * Failures a retry cannot mend. Their type names are listed in NON_RETRYABLE_ERROR_TYPES so the
 * workflow stops at once and the run page shows the message as written here.
 */
export function nonRetryable(type: string, message: string): ApplicationFailure {
	return ApplicationFailure.create({ type, message, nonRetryable: true });
}

/** Parses a step's `with` against its schema; a mismatch names each field. */
export function parseStepParams<T>(uses: string, schema: z.ZodType<T>, params: unknown): T {
	const result = schema.safeParse(params);
	if (result.success) return result.data;
	const details = result.error.issues.map((issue) => `with.${issue.path.join('.') || '(root)'}: ${issue.message}`).join('; ');
	throw nonRetryable('InvalidStepParams', `${uses}: ${details}`);
}

/**
 * A failed query of Tend's own database reads "Failed query: <SQL> params: <values>": not for the
 * run page, where people read step errors, and the parameters may hold data. The database's own
 * message stays, and the error stays retryable: a schema mid-migration or a dropped connection mends.
 */
export function readableDatabaseError(error: unknown): unknown {
	if (!(error instanceof DrizzleQueryError)) return error;
	const cause = error.cause instanceof Error ? error.cause.message : 'the query failed';
	return new Error(`Tend's database refused a query: ${cause}`, { cause: error.cause });
}

/** Connection failures, not answers: the server is down, restarting, or the connection broke. */
const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', '57P01', '57P02', '57P03']);

export function isConnectionFailure(error: unknown): boolean {
	if (!(error instanceof Error)) return false;
	const code = (error as { code?: unknown }).code;
	if (typeof code === 'string' && (CONNECTION_CODES.has(code) || code.startsWith('08'))) return true;
	return /Connection terminated|connect ECONNREFUSED|timeout exceeded when trying to connect|Client has encountered a connection error|not currently accepting connections|the database system is (starting up|shutting down)/i.test(error.message);
}

/**
 * A step that could not reach Tend's own database (to read its target, a secret, the backup
 * catalogue) has not failed: Tend has. The workflow retries it without spending an attempt.
 * Only failures of Tend's own pool (drizzle's) count; a target database's errors are the step's.
 */
export function tendUnavailable(error: unknown): ApplicationFailure | undefined {
	if (!(error instanceof DrizzleQueryError) || !isConnectionFailure(error.cause ?? error)) return undefined;
	const cause = error.cause instanceof Error ? error.cause.message : 'connection failed';
	return ApplicationFailure.create({ type: TEND_UNAVAILABLE, message: `Tend's database is unreachable: ${cause}`, nonRetryable: false });
}

/**
 * A write to Tend's own database that must land once the step's work is done (the record that
 * makes a retry skip work already committed elsewhere): tried again through an outage, with the
 * activity heartbeating meanwhile, rather than failing the step and repeating that work.
 */
export async function untilTendAnswers<T>(write: () => Promise<T>, limitMs = 120_000): Promise<T> {
	const activity = Context.current();
	const deadline = Date.now() + limitMs;
	for (let wait = 500; ; wait = Math.min(wait * 2, 5000)) {
		try {
			return await write();
		} catch (error) {
			const unreachable = error instanceof DrizzleQueryError ? isConnectionFailure(error.cause ?? error) : isConnectionFailure(error);
			if (!unreachable || Date.now() + wait > deadline) throw error;
			if (!activity.info.isLocal) activity.heartbeat();
			await activity.sleep(wait);
		}
	}
}
