import { ActivityFailure, ApplicationFailure, ChildWorkflowFailure, TemporalFailure } from '@temporalio/workflow';
import { ExpressionError } from '../../runbooks/expressions.ts';
import { ApprovalParamsError } from '../approvals.ts';
import { NON_RETRYABLE_ERROR_TYPES } from '../definitions.ts';

/**
 * How the interpreter tells a step's failure from its own: what a step, an expression in it or a
 * person's verdict can throw becomes the step's failure (and its onFailure policy applies); any
 * other error is a bug in the interpreter, which fails the workflow task — Temporal retries that
 * task until a fixed worker runs it — instead of rolling back work that did nothing wrong.
 */
export function isStepFailure(error: unknown): boolean {
	return error instanceof TemporalFailure || error instanceof ExpressionError || error instanceof ApprovalParamsError;
}

/** The message a person should read: the activity's own error, not Temporal's wrapper. */
export function describeFailure(error: unknown): string {
	if ((error instanceof ActivityFailure || error instanceof ChildWorkflowFailure) && error.cause) return error.cause.message;
	return error instanceof Error ? error.message : String(error);
}

/** The domain type of a step's failure (`SqlError`, `TendUnavailable`, …), if it has one. */
export function failureType(error: unknown): string | undefined {
	const cause = error instanceof ActivityFailure || error instanceof ChildWorkflowFailure ? error.cause : error;
	return cause instanceof ApplicationFailure ? (cause.type ?? undefined) : undefined;
}

/** True when a retry cannot mend the failure: the activity said so, or its type is one that never mends. */
export function isPermanent(error: unknown): boolean {
	const cause = error instanceof ActivityFailure ? error.cause : error;
	if (cause instanceof ApplicationFailure && cause.nonRetryable) return true;
	return NON_RETRYABLE_ERROR_TYPES.includes(failureType(error) ?? '');
}

export const invalid = (message: string) => ApplicationFailure.create({ type: 'InvalidStepParams', nonRetryable: true, message });

export function isTruthy(value: unknown): boolean {
	return !(value === false || value === 'false' || value === 0 || value === '' || value === null || value === undefined);
}

export function formatMs(ms: number): string {
	return ms % 3_600_000 === 0 ? `${ms / 3_600_000}h` : ms % 60_000 === 0 ? `${ms / 60_000}m` : ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}
