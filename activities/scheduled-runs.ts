import { Context } from '@temporalio/activity';
import type { WorkflowClient } from '@temporalio/client';
import { eq } from 'drizzle-orm';
import { users } from '../db/schema/index.ts';
import { RunbookNotFoundError, RunInputError, scheduledRunId, scheduleInitiator, startRunbookRun } from '../shared/run-start.ts';
import type { ScheduledRunInput } from '../workflows/scheduled-run.ts';
import { nonRetryable } from './failures.ts';
import type { ActivityDeps } from './step-context.ts';

export interface ScheduledRunDeps extends ActivityDeps {
	/** The worker's Temporal client (on its one connection): the run is a workflow of its own. */
	workflows: WorkflowClient;
}

export function createScheduledRunActivities(deps: ScheduledRunDeps) {
	return {
		/**
		 * Starts the run a schedule's firing stands for. Its id derives from the firing's workflow id
		 * (unique per firing), so a retried attempt finds the run the first one started.
		 */
		async 'runs.startScheduled'(input: ScheduledRunInput): Promise<{ id: string; created: boolean }> {
			const firing = Context.current().info.workflowExecution?.workflowId;
			if (!firing) throw nonRetryable('NotInWorkflow', 'runs.startScheduled runs only from a schedule\'s workflow: its run id derives from that workflow\'s id');
			const [creator] = await deps.db.select({ id: users.id, username: users.username, disabledAt: users.disabledAt }).from(users).where(eq(users.id, input.initiator.id));
			if (!creator) throw nonRetryable('InitiatorNotFound', `schedule ${input.scheduleId}: its creator (${input.initiator.username}) no longer exists; recreate the schedule`);
			if (creator.disabledAt) throw nonRetryable('InitiatorDisabled', `schedule ${input.scheduleId}: its creator (${creator.username}) is disabled; an admin re-enables them, or someone recreates the schedule`);
			try {
				const started = await startRunbookRun(
					{ db: deps.db, workflows: deps.workflows, taskQueue: deps.config.TEND_TASK_QUEUE },
					{ id: scheduledRunId(firing), runbookName: input.runbook, inputs: input.inputs, initiator: scheduleInitiator(input.scheduleId, creator), schedule: input.scheduleId }
				);
				Context.current().log.info('scheduled run started', { schedule: input.scheduleId, runId: started.id, created: started.created });
				return started;
			} catch (error) {
				// The runbook was deleted or its latest version no longer takes these inputs: a retry cannot mend that.
				if (error instanceof RunbookNotFoundError) throw nonRetryable('RunbookNotFound', `schedule ${input.scheduleId}: ${error.message}`);
				if (error instanceof RunInputError) throw nonRetryable('InvalidRunInputs', `schedule ${input.scheduleId}: ${error.message}`);
				throw error;
			}
		}
	};
}

export type ScheduledRunActivities = ReturnType<typeof createScheduledRunActivities>;
