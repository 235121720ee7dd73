import { ApplicationFailure } from '@temporalio/activity';
import { DrizzleQueryError } from 'drizzle-orm/errors';
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
