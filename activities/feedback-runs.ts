import { WorkflowNotFoundError, type WorkflowClient } from '@temporalio/client';
import { eq } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { feedbackItems, feedbackLinks } from '../db/schema/index.ts';
import { settleRunLinks } from '../shared/feedback-links.ts';
import { feedbackChangedSignal, feedbackWorkflowId } from '../workflows/feedback-definitions.ts';

/**
 * Where a run's end reaches the feedback it was meant to fix: its links are settled in the
 * database (shared/feedback-links.ts), then every linked item's workflow is told where its row
 * now stands, so one closed by the run tells its submitter. Every linked item is signalled, not
 * only those this call settled: a retry after a failed signal must signal again. An item whose
 * workflow has ended is closed already and needs no word.
 */
export async function tellLinkedFeedback(db: Db, workflows: WorkflowClient | undefined, runId: string): Promise<void> {
	await settleRunLinks(db, runId);
	if (!workflows) return;
	const linked = await db
		.select({ itemId: feedbackItems.id, status: feedbackItems.status, priority: feedbackItems.priority })
		.from(feedbackLinks)
		.innerJoin(feedbackItems, eq(feedbackItems.id, feedbackLinks.itemId))
		.where(eq(feedbackLinks.runId, runId));
	for (const item of linked) {
		await workflows
			.getHandle(feedbackWorkflowId(item.itemId))
			.signal(feedbackChangedSignal, { status: item.status, priority: item.priority })
			.catch((error: unknown) => {
				if (!(error instanceof WorkflowNotFoundError)) throw error;
			});
	}
}
