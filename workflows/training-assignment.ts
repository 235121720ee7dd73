import { condition, continueAsNew, proxyActivities, setHandler, sleep } from '@temporalio/workflow';
import type { TrainingActivities } from '../activities/training.ts';
import { trainingCompletedSignal, type TrainingAssignmentInput, type TrainingOutcome, type TrainingState } from './definitions.ts';

// Notices and bookkeeping are quick writes and a mail; retry through an outage of the database or SMTP.
const training = proxyActivities<TrainingActivities>({
	startToCloseTimeout: '1m',
	retry: { initialInterval: '1s', maximumInterval: '5m', nonRetryableErrorTypes: ['AssignmentNotFound'] }
});

/** How often a waiting overdue assignment looks at the database itself, in case the completion signal never came. */
const OVERDUE_CHECK_MS = 7 * 86_400_000;

/**
 * One person's assignment of one module (DESIGN §5), one cycle per run: notice → reminders before
 * the due date → overdue, escalated to the person's manager → completion (the web app grades the
 * quiz, records it and signals) → when the module has a validity, a wait until it runs out, then
 * recertification as the next cycle, continued as new so a life of many years keeps a short history.
 *
 * The database is the record: every activity reads where the assignment stands, so a lost signal
 * costs at most a wait until the next reminder or check, and an un-assigned one ends at its next
 * step if the cancellation did not reach it first.
 */
export async function trainingAssignment(input: TrainingAssignmentInput): Promise<TrainingOutcome> {
	const ref = { assignmentId: input.assignmentId, cycle: input.cycle };
	let signalled = false;
	setHandler(trainingCompletedSignal, () => {
		signalled = true;
	});

	/** Waits until `at`; answers a state if the assignment closed before then, undefined when `at` came. */
	async function waitUntil(at: number): Promise<TrainingState | undefined> {
		for (;;) {
			const woke = at > Date.now() ? await condition(() => signalled, at - Date.now()) : signalled;
			if (!woke) return undefined;
			signalled = false;
			const state = await training['training.state'](ref);
			if (state !== 'open') return state;
		}
	}

	let state: TrainingState | undefined = await training['training.notice']({ ...ref, kind: 'assigned' });
	for (const [index, at] of input.reminderAt.entries()) {
		if (state !== 'open') break;
		state = await waitUntil(at);
		if (state) break;
		state = await training['training.notice']({ ...ref, kind: 'reminder', number: index + 1 });
	}
	if (state === 'open') {
		state = await waitUntil(input.dueAt);
		if (!state) state = await training['training.notice']({ ...ref, kind: 'overdue' });
		while (state === 'open') {
			state = (await waitUntil(Date.now() + OVERDUE_CHECK_MS)) ?? (await training['training.state'](ref));
		}
	}
	if (state === 'cancelled') return { status: 'cancelled', cycle: input.cycle };

	const { expiresAt } = await training['training.completion'](ref);
	if (expiresAt === null) return { status: 'completed', cycle: input.cycle };
	if (expiresAt > Date.now()) await sleep(expiresAt - Date.now());
	const next = await training['training.recertify'](ref);
	if (next.state === 'cancelled') return { status: 'cancelled', cycle: input.cycle };
	return continueAsNew<typeof trainingAssignment>({ assignmentId: input.assignmentId, cycle: next.cycle, dueAt: next.dueAt, reminderAt: next.reminderAt });
}
