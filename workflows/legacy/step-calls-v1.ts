import { ActivityFailure, ApplicationFailure, ChildWorkflowFailure, proxyActivities, type ActivityOptions } from '@temporalio/workflow';
import { parseDuration } from '../../runbooks/duration.ts';
import type { RunbookStep } from '../../runbooks/schema.ts';
import { STEP_FACTS_BY_USES } from '../../runbooks/step-facts.ts';

/** The failure types engine v1 never retried, as released. */
export const LEGACY_NON_RETRYABLE_ERROR_TYPES = ['InvalidStepParams', 'PgToolsMissing', 'TargetNotFound', 'SecretNotFound', 'BackupChecksumMismatch', 'BackupNotFound', 'BackupVerifyMismatch', 'ChannelNotSupported', 'WindowNotFound', 'RunbookNotFound', 'InvalidRunInputs', 'RedirectRefused', 'HttpRequestRejected', 'WebhookRefused', 'RetentionNeedsKey', 'ArchiveTableMismatch', 'SqlError', 'SqlCheckFailed', 'MigrationBundleInvalid', 'MigrationChecksumMismatch', 'MigrationVerifyFailed', 'MigrationFailed', 'DedupeUnsupported'];

/** How the interpreter calls a step's activity, and how it words what comes back; pure, so replay sees the same. */

type StepActivity = (context: { runId: string; stepId: string; target: string; record?: boolean }, params: unknown) => Promise<Record<string, unknown>>;

export function stepActivityOptions(step: RunbookStep): ActivityOptions {
	const retry = step.retry ?? { maxAttempts: 3, initialInterval: '5s', backoff: 2 };
	const heartbeatTimeout = STEP_FACTS_BY_USES.get(step.uses)?.heartbeatTimeout;
	return {
		startToCloseTimeout: parseDuration(step.timeout ?? '1h'),
		...(heartbeatTimeout ? { heartbeatTimeout } : {}),
		retry: {
			maximumAttempts: retry.maxAttempts,
			initialInterval: parseDuration(retry.initialInterval),
			backoffCoefficient: retry.backoff,
			...(retry.maxInterval !== undefined ? { maximumInterval: parseDuration(retry.maxInterval) } : {}),
			nonRetryableErrorTypes: LEGACY_NON_RETRYABLE_ERROR_TYPES
		}
	};
}

export function stepActivity(uses: string, options: ActivityOptions): StepActivity {
	return proxyActivities<Record<string, StepActivity>>(options)[uses];
}

/** The message a person should read: the activity's own error, not Temporal's wrapper. */
export function describeFailure(error: unknown): string {
	if ((error instanceof ActivityFailure || error instanceof ChildWorkflowFailure) && error.cause) return error.cause.message;
	return error instanceof Error ? error.message : String(error);
}

export function isTruthy(value: unknown): boolean {
	return !(value === false || value === 'false' || value === 0 || value === '' || value === null || value === undefined);
}

export function formatMs(ms: number): string {
	return ms % 3_600_000 === 0 ? `${ms / 3_600_000}h` : ms % 60_000 === 0 ? `${ms / 60_000}m` : ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

export const invalid = (message: string) => ApplicationFailure.create({ type: 'InvalidStepParams', nonRetryable: true, message });
