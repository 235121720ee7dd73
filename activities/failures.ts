import { ApplicationFailure } from '@temporalio/activity';
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
