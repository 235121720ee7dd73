import { condition, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { FeedbackActivities } from '../activities/feedback.ts';
import { isFeedbackClosed, TRIAGE_SLA_MS } from '../shared/feedback-model.ts';
import { feedbackChangedSignal, type FeedbackItemInput, type FeedbackState } from './feedback-definitions.ts';

// Short reads and writes of Tend's database and one mail; retried for as long as an outage lasts.
const feedback = proxyActivities<FeedbackActivities>({ startToCloseTimeout: '1m', retry: { initialInterval: '1s', maximumInterval: '1m' } });

/** While open, the row is read again this often in case a change's signal never arrived. */
const RECHECK_MS = 24 * 3_600_000;

/**
 * A feedback item's life on durable timers (DESIGN §5): while it is `new`, the triagers are
 * reminded at half its priority's triage SLA and the admins told when the SLA has run out; the
 * clock runs from submission, so raising the priority brings both nearer. Once it closes — by a
 * triager, a merge, or a linked run that succeeded — the people who asked for it are told, once.
 * The database row is the item's state; this workflow keeps time and tells people.
 */
export async function feedbackItem(input: FeedbackItemInput): Promise<FeedbackState> {
	let state: FeedbackState = { status: input.status, priority: input.priority };
	let changes = 0;
	setHandler(feedbackChangedSignal, (next) => {
		state = next;
		changes++;
	});
	const submittedAt = workflowInfo().startTime.getTime();
	const sent = { reminder: false, escalation: false };

	while (!isFeedbackClosed(state.status)) {
		const sla = TRIAGE_SLA_MS[state.priority];
		const due = state.status !== 'new' ? undefined : !sent.reminder ? { kind: 'reminder' as const, at: submittedAt + sla / 2 } : !sent.escalation ? { kind: 'escalation' as const, at: submittedAt + sla } : undefined;
		const seen = changes;
		const wait = due ? Math.max(0, due.at - Date.now()) : RECHECK_MS;
		if (await condition(() => changes !== seen, wait)) continue;
		if (due) {
			// The activity reads the row first: an item triaged while the signal was on its way gets no notice.
			state = await feedback['feedback.triageNotice']({ itemId: input.itemId, kind: due.kind });
			sent[due.kind] = true;
		} else {
			state = await feedback['feedback.state']({ itemId: input.itemId });
		}
	}

	await feedback['feedback.closedNotice']({ itemId: input.itemId });
	return state;
}
