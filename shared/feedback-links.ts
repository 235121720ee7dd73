import { and, eq, isNull, sql } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { feedbackEvents, feedbackItems, feedbackLinks, runs } from '../db/schema/index.ts';
import { isRunFinished } from '../runbooks/run-model.ts';
import { isFeedbackClosed, type FeedbackPriority, type FeedbackStatus } from './feedback-model.ts';

/**
 * "Closed by the fix, not by a click" (DESIGN §5): when a run linked to feedback items ends, each
 * link takes the run's outcome once. A run that succeeded — every step done, its verification
 * passed, or it would not have — closes its open items as `done` with the run as evidence; one that
 * failed, rolled back or was cancelled leaves them open and says so on their timelines. Called by
 * the run ledger as the run's end is written (retried with it until it lands) and by the web app
 * right after a link is made, so a run that ended first settles too. Conditional updates make any
 * number of calls settle each link once.
 */

export interface SettledItem {
	itemId: string;
	status: FeedbackStatus;
	priority: FeedbackPriority;
	closed: boolean;
}

export async function settleRunLinks(db: Db, runId: string): Promise<SettledItem[]> {
	return db.transaction(async (tx) => {
		const [run] = await tx.select({ status: runs.status, runbook: runs.runbookName, version: runs.version, error: runs.error }).from(runs).where(eq(runs.id, runId));
		if (!run || !isRunFinished(run.status)) return [];
		const settled = await tx
			.update(feedbackLinks)
			.set({ outcome: run.status, settledAt: sql`now()` })
			.where(and(eq(feedbackLinks.runId, runId), isNull(feedbackLinks.outcome)))
			.returning({ itemId: feedbackLinks.itemId });
		const changed: SettledItem[] = [];
		for (const { itemId } of settled) {
			const [item] = await tx.select({ status: feedbackItems.status, priority: feedbackItems.priority }).from(feedbackItems).where(eq(feedbackItems.id, itemId)).for('update');
			if (!item) continue;
			const succeeded = run.status === 'succeeded';
			const details = { runId, runbook: run.runbook, version: run.version, outcome: run.status, ...(run.error ? { error: run.error } : {}), ...(succeeded ? {} : { open: !isFeedbackClosed(item.status) }) };
			await tx.insert(feedbackEvents).values({ itemId, kind: succeeded ? 'run_succeeded' : 'run_unsuccessful', actor: 'system', details, key: `${itemId}:run:${runId}` }).onConflictDoNothing({ target: feedbackEvents.key });
			if (succeeded && !isFeedbackClosed(item.status)) {
				await tx.update(feedbackItems).set({ status: 'done', closedAt: sql`now()`, closedBy: 'system', closedByRun: runId }).where(eq(feedbackItems.id, itemId));
				await tx
					.insert(feedbackEvents)
					.values({ itemId, kind: 'status', actor: 'system', details: { from: item.status, to: 'done', runId }, key: `${itemId}:closed-by:${runId}` })
					.onConflictDoNothing({ target: feedbackEvents.key });
				changed.push({ itemId, status: 'done', priority: item.priority, closed: true });
			} else changed.push({ itemId, status: item.status, priority: item.priority, closed: false });
		}
		return changed;
	});
}
