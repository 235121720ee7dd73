import type { RunEventDetails } from '$runbooks/run-projection.ts';

/**
 * How a run event (a kind with structured details, written by the run's workflow) is put into
 * words: the i18n key `run:event.<kind>`, a context that picks the sentence's variant (i18next's
 * `_context` keys), and the details as interpolation values. Shared by the pages (in the viewer's
 * language) and the API (English `message`).
 */
export function eventContext(kind: string, details: RunEventDetails): string | undefined {
	const has = (key: string) => details[key] !== undefined && details[key] !== null && details[key] !== '';
	switch (kind) {
		case 'step.skipped':
		case 'step.cancelled':
		case 'step.waiting':
			return typeof details.reason === 'string' ? details.reason : undefined;
		case 'step.held':
			return typeof details.kind === 'string' ? details.kind : undefined;
		case 'approval.decided':
			return `${details.decision === 'reject' ? 'reject' : 'approve'}${has('comment') ? '_comment' : ''}`;
		case 'checklist.ticked':
			return has('notes') ? 'notes' : undefined;
		case 'run.finished':
			return has('error') ? 'error' : undefined;
		case 'run.cancel_requested':
			return has('reason') ? 'reason' : undefined;
		case 'step.running':
		case 'step.retrying':
		case 'step.tend_unavailable':
			return has('call') ? 'call' : undefined;
		case 'step.item':
			return details.status === 'failed' ? 'failed' : 'succeeded';
		default:
			return undefined;
	}
}

/** Details as i18next reads them: lists joined, so a template can show them in a sentence. */
export function eventParams(details: RunEventDetails): Record<string, unknown> {
	return Object.fromEntries(Object.entries(details).map(([key, value]) => [key, Array.isArray(value) ? value.join(', ') : value]));
}

/** The status word an event shows as a badge: what the step or run became, or what a person did. */
export function eventStatus(kind: string, details: RunEventDetails): string {
	switch (kind) {
		case 'run.started':
		case 'run.resumed':
		case 'step.running':
		case 'step.child_started':
		case 'step.items_started':
			return 'running';
		case 'run.queued':
			return 'queued';
		case 'run.finished':
			return String(details.status ?? 'finished');
		case 'run.cancel_requested':
			return 'cancelling';
		case 'step.retrying':
		case 'step.tend_unavailable':
			return 'retrying';
		case 'step.succeeded':
			return 'succeeded';
		case 'step.failed':
		case 'step.rollback_failed':
			return 'failed';
		case 'step.skipped':
			return 'skipped';
		case 'step.cancelled':
			return 'cancelled';
		case 'step.compensated':
			return 'compensated';
		case 'step.held':
			return 'paused';
		case 'approval.decided':
			return details.decision === 'reject' ? 'rejected' : 'approved';
		case 'approval.escalated':
			return 'escalated';
		case 'checklist.ticked':
			return 'checked';
		case 'freeze.overridden':
			return 'overridden';
		case 'step.item':
			return details.status === 'failed' ? 'failed' : 'succeeded';
		default:
			return 'waiting';
	}
}

/** Details that hold an instant: shown in the viewer's time zone and language. */
const INSTANTS = new Set(['nextAttemptAt', 'until', 'opensAt']);

/**
 * An event in the viewer's words: its kind through i18n (instants in the viewer's zone), or, for
 * events written before kinds existed, the English text they carry.
 */
export function describeEvent(
	t: (key: string, options?: Record<string, unknown>) => string,
	intl: string,
	event: { kind: string | null; details: RunEventDetails | null; message: string | null }
): string {
	if (!event.kind) return event.message ?? '';
	const details = event.details ?? {};
	const params = eventParams(details);
	for (const key of INSTANTS) {
		const value = details[key];
		if (typeof value === 'string' && !Number.isNaN(Date.parse(value))) params[key] = new Intl.DateTimeFormat(intl, { dateStyle: 'medium', timeStyle: 'medium' }).format(new Date(value));
	}
	const context = eventContext(event.kind, details);
	return t(`run:event.${event.kind}`, { ...params, ...(context ? { context } : {}), defaultValue: event.message ?? event.kind });
}
