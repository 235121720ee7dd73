import { i18nFor } from '$lib/i18n/index.ts';
import { eventContext, eventParams, eventStatus } from '$lib/run-events.ts';
import type { RunEventDetails } from '$runbooks/run-projection.ts';
import type { RunEventView } from '../../run-types.ts';

const english = i18nFor('en');

/**
 * An event as pages and the API see it. Events carry a kind and structured details (pages render
 * them in the viewer's language); `status` and the English `message` are there for scripts and
 * for events written before kinds existed.
 */
export function eventView(row: { id: number; stepId: string | null; kind: string | null; details: RunEventDetails | null; status: string; message: string | null; at: Date }): RunEventView {
	if (!row.kind) return { id: row.id, stepId: row.stepId, kind: null, details: null, status: row.status, message: row.message, at: row.at.toISOString() };
	const details = row.details ?? {};
	const context = eventContext(row.kind, details);
	return {
		id: row.id,
		stepId: row.stepId,
		kind: row.kind,
		details,
		status: eventStatus(row.kind, details),
		message: english.t(`run:event.${row.kind}`, { ...eventParams(details), ...(context ? { context } : {}), defaultValue: row.kind }),
		at: row.at.toISOString()
	};
}
