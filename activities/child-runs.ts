import type { WorkflowClient } from '@temporalio/client';
import { prepareRunbookRun, RunbookNotFoundError, RunInputError, uuidV5 } from '../shared/run-start.ts';
import { runWorkflowId, type RunbookRunInput } from '../workflows/definitions.ts';
import { nonRetryable } from './failures.ts';
import type { ActivityDeps } from './step-context.ts';

export interface ChildRunRequest {
	parent: { runId: string; stepId: string };
	runbook: string;
	version?: number;
	inputs: Record<string, unknown>;
	initiator: { id: string; username: string };
}

/**
 * `uses: runbook`: writes the child's run record (its own pinned version, inputs checked, target
 * resolved, audited) and hands the workflow what to start as a child workflow. The child's id
 * derives from the parent run and step, so a retried attempt finds the record the first one wrote.
 */
export function createChildRunActivities(deps: ActivityDeps & { workflows: WorkflowClient }) {
	return {
		async 'runs.prepareChild'(request: ChildRunRequest): Promise<{ workflowId: string; input: RunbookRunInput }> {
			const id = uuidV5(`child:${request.parent.runId}/${request.parent.stepId}`);
			try {
				const { input } = await prepareRunbookRun(deps.db, {
					id,
					runbookName: request.runbook,
					...(request.version !== undefined ? { version: request.version } : {}),
					inputs: request.inputs,
					initiator: request.initiator,
					parent: request.parent
				});
				// A retried attempt reads the run back from its row, which does not keep the parent.
				return { workflowId: runWorkflowId(id), input: { ...input, parent: request.parent } };
			} catch (error) {
				if (error instanceof RunbookNotFoundError) throw nonRetryable('RunbookNotFound', error.message);
				if (error instanceof RunInputError) throw nonRetryable('InvalidRunInputs', `child runbook "${request.runbook}": ${error.message}`);
				throw error;
			}
		}
	};
}

export type ChildRunActivities = ReturnType<typeof createChildRunActivities>;
