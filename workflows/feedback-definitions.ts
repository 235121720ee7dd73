import { defineSignal } from '@temporalio/workflow';
import type { FeedbackPriority, FeedbackStatus } from '../shared/feedback-model.ts';

/** Messages, inputs and ids of a feedback item's workflow, shared by web, worker and tests (STYLE rule 4). */

export interface FeedbackItemInput {
	itemId: string;
	status: FeedbackStatus;
	priority: FeedbackPriority;
}

/** What the item's row says now: the workflow keeps its clock by it. */
export interface FeedbackState {
	status: FeedbackStatus;
	priority: FeedbackPriority;
}

export const feedbackWorkflowId = (itemId: string) => `feedback-${itemId}`;

/**
 * The row changed (a triager's status or priority, a merge, a linked run that succeeded). The
 * signal carries no authority: the web app or the run ledger has already written the change with
 * who and when, and every notice the workflow sends reads the row again first. It only moves the
 * clock on; a lost signal costs at most a periodic re-read.
 */
export const feedbackChangedSignal = defineSignal<[FeedbackState]>('feedbackChanged');
