import { randomUUID } from 'node:crypto';
import { WorkflowFailedError } from '@temporalio/client';
import { CancelledFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { afterAll, beforeAll, describe, it } from 'vitest';
import type { TrainingActivities, TrainingNotice, TrainingRef } from '../../activities/training.ts';
import { trainingCompletedSignal, trainingWorkflowId, type TrainingAssignmentInput, type TrainingState } from '../../workflows/definitions.ts';
import type { trainingAssignment } from '../../workflows/training-assignment.ts';
import { bundleWorkflows, createTimeSkippingEnvironment, recordHistory } from '../helpers/temporal-env.ts';

/**
 * A training assignment's life on durable timers, with the time-skipping server: reminders,
 * overdue with escalation, completion by signal or found by the workflow's own check,
 * recertification as a new cycle, and un-assigning. The activities keep the assignment in memory:
 * these tests are about the workflow's decisions (activities/training.ts is tested on the real stack).
 */
let env: TestWorkflowEnvironment;
let bundle: WorkflowBundleWithSourceMap;
beforeAll(async () => {
	[env, bundle] = await Promise.all([createTimeSkippingEnvironment(), bundleWorkflows()]);
});
afterAll(async () => {
	await env?.teardown();
});

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

interface Assignment {
	status: 'open' | 'completed';
	cycle: number;
	cancelled: boolean;
	expiresAt: number | null;
}

/** In-memory activities: what was sent, in order, and hooks a test uses to act as the person. */
function fakeTraining(assignment: Assignment, hooks: { onNotice?: (notice: TrainingNotice) => void | Promise<void>; recertify?: (ref: TrainingRef) => { dueAt: number; reminderAt: number[] } } = {}) {
	const calls: string[] = [];
	const state = (ref: TrainingRef): TrainingState => (assignment.cancelled || assignment.cycle !== ref.cycle ? 'cancelled' : assignment.status === 'completed' ? 'completed' : 'open');
	const activities: TrainingActivities = {
		'training.state': async (ref) => (calls.push(`state:${ref.cycle}`), state(ref)),
		'training.notice': async (notice) => {
			const now = state(notice);
			if (now !== 'open') return now;
			calls.push(`${notice.kind}${notice.number ? `#${notice.number}` : ''}:${notice.cycle}`);
			await hooks.onNotice?.(notice);
			return 'open';
		},
		'training.completion': async (ref) => (calls.push(`completion:${ref.cycle}`), { expiresAt: assignment.expiresAt }),
		'training.recertify': async (ref) => {
			calls.push(`recertify:${ref.cycle}`);
			assignment.cycle = ref.cycle + 1;
			assignment.status = 'open';
			return { state: 'open', cycle: assignment.cycle, ...hooks.recertify!(ref) };
		}
	};
	return { calls, activities };
}

async function start(activities: TrainingActivities, input: Omit<TrainingAssignmentInput, 'assignmentId' | 'cycle'>) {
	const taskQueue = `test-${randomUUID()}`;
	const assignmentId = randomUUID();
	const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle: bundle, activities });
	const handle = await env.client.workflow.start<typeof trainingAssignment>('trainingAssignment', {
		taskQueue,
		workflowId: trainingWorkflowId(assignmentId),
		args: [{ assignmentId, cycle: 1, ...input }]
	});
	return { worker, handle };
}

describe('trainingAssignment', () => {
	it('reminds before the due date, marks it overdue and escalates, then finds the completion itself when no signal came', async ({ expect }) => {
		const assignment: Assignment = { status: 'open', cycle: 1, cancelled: false, expiresAt: null };
		// The person completes right after the overdue notice, but the signal is lost: the weekly check finds it.
		const { calls, activities } = fakeTraining(assignment, { onNotice: (n) => {
				if (n.kind === 'overdue') assignment.status = 'completed';
			}
		});
		const now = await env.currentTimeMs();
		const { worker, handle } = await start(activities, { dueAt: now + 3 * DAY, reminderAt: [now + DAY, now + 2 * DAY] });
		const outcome = await worker.runUntil(handle.result());
		expect(outcome).toEqual({ status: 'completed', cycle: 1 });
		expect(calls).toEqual(['assigned:1', 'reminder#1:1', 'reminder#2:1', 'overdue:1', 'state:1', 'completion:1']);
		await recordHistory(env.client, handle.workflowId, 'training-assignment--reminds-marks-overdue-and-finds-the-completion-itself');
	});

	it('stops reminding as soon as the completion signal arrives', async ({ expect }) => {
		const assignment: Assignment = { status: 'open', cycle: 1, cancelled: false, expiresAt: null };
		const person: { complete?: () => void } = {};
		const { calls, activities } = fakeTraining(assignment, {
			onNotice: (n) => {
				if (n.kind !== 'reminder') return;
				assignment.status = 'completed';
				person.complete?.();
			}
		});
		const now = await env.currentTimeMs();
		const { worker, handle } = await start(activities, { dueAt: now + 3 * DAY, reminderAt: [now + DAY, now + 2 * DAY] });
		person.complete = () => void handle.signal(trainingCompletedSignal);
		const outcome = await worker.runUntil(handle.result());
		expect(outcome).toEqual({ status: 'completed', cycle: 1 });
		expect(calls).toEqual(['assigned:1', 'reminder#1:1', 'state:1', 'completion:1']);
		await recordHistory(env.client, handle.workflowId, 'training-assignment--stops-reminding-when-the-completion-signal-arrives');
	});

	it('recertifies when the validity runs out, as a new cycle continued as new', async ({ expect }) => {
		const now = await env.currentTimeMs();
		// Completed at once in cycle 1 with a year's validity; in cycle 2 completed at its notice, for ever.
		const assignment: Assignment = { status: 'completed', cycle: 1, cancelled: false, expiresAt: now + 365 * DAY };
		const { calls, activities } = fakeTraining(assignment, {
			onNotice: (n) => {
				if (n.cycle !== 2) return;
				assignment.status = 'completed';
				assignment.expiresAt = null;
			},
			recertify: () => ({ dueAt: now + 379 * DAY, reminderAt: [now + 376 * DAY] })
		});
		const { worker, handle } = await start(activities, { dueAt: now + 14 * DAY, reminderAt: [now + 11 * DAY] });
		const outcome = await worker.runUntil(handle.result());
		expect(outcome).toEqual({ status: 'completed', cycle: 2 });
		expect(calls).toEqual(['completion:1', 'recertify:1', 'assigned:2', 'completion:2']);
		const description = await handle.describe();
		expect(description.runId).not.toBe(handle.firstExecutionRunId);
		await recordHistory(env.client, handle.workflowId, 'training-assignment--recertifies-as-a-new-cycle');
	});

	it('un-assigning cancels the reminders still ahead', async ({ expect }) => {
		const assignment: Assignment = { status: 'open', cycle: 1, cancelled: false, expiresAt: null };
		const admin: { unassign?: () => Promise<void> } = {};
		// Cancelled while the first reminder is being sent, as DELETE /training/assignments/{id} does it.
		const { calls, activities } = fakeTraining(assignment, {
			onNotice: async (n) => {
				if (n.kind === 'reminder') await admin.unassign?.();
			}
		});
		const now = await env.currentTimeMs();
		const { worker, handle } = await start(activities, { dueAt: now + 3 * DAY, reminderAt: [now + DAY, now + 2 * DAY] });
		admin.unassign = () => handle.cancel().then(() => undefined);
		const error = await worker.runUntil(handle.result().catch((e: unknown) => e));
		expect(error).toBeInstanceOf(WorkflowFailedError);
		expect((error as WorkflowFailedError).cause).toBeInstanceOf(CancelledFailure);
		expect(calls).toEqual(['assigned:1', 'reminder#1:1']);
		await recordHistory(env.client, handle.workflowId, 'training-assignment--un-assigning-cancels-the-reminders');
	});
});
