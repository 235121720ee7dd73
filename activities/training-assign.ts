import type { WorkflowClient } from '@temporalio/client';
import { z } from 'zod';
import { parseDuration } from '../runbooks/duration.ts';
import { assignTraining, TrainingRequestError } from '../shared/training-assign.ts';
import { nonRetryable, parseStepParams } from './failures.ts';
import type { ActivityDeps, StepContext } from './step-context.ts';

/** `with` once expressions are resolved. */
const trainingAssignParams = z.object({
	module: z.string().min(1),
	to: z.array(z.string().min(1)).min(1),
	due: z.union([z.string(), z.number()]).optional()
});

export interface TrainingAssignOutputs extends Record<string, unknown> {
	/** People who hold an open assignment of the module now (new or from before). */
	assigned: number;
	/** Of those, how many this step assigned. */
	created: number;
}

/**
 * `training.assign`: the module goes to the people `to` names, as an admin's assignment does.
 * Retrying the step assigns nothing twice — one open assignment per person and module — so a
 * retried or resumed run tells nobody twice. The run is named as the assigner.
 */
export async function trainingAssignStep(deps: ActivityDeps & { workflows?: WorkflowClient }, ctx: StepContext, raw: unknown): Promise<TrainingAssignOutputs> {
	const params = parseStepParams('training.assign', trainingAssignParams, raw);
	if (!deps.workflows) throw nonRetryable('NotConfigured', 'training.assign: this worker has no Temporal client to start assignments with');
	const emails = params.to.filter((to) => !/^(role|user):/.test(to));
	if (emails.length) throw nonRetryable('InvalidStepParams', `training.assign: assign to role:NAME or user:NAME, not to an address (${emails.join(', ')})`);
	let due: string | undefined;
	if (params.due !== undefined) {
		const ms = parseDuration(params.due);
		if (ms <= 0) throw nonRetryable('InvalidStepParams', 'training.assign: with.due must be longer than 0');
		due = new Date(Date.now() + ms).toISOString();
	}
	try {
		const result = await assignTraining(
			{ db: deps.db, workflows: deps.workflows, taskQueue: deps.config.TEND_TASK_QUEUE },
			{ module: params.module, assignees: params.to, due, by: `run:${ctx.runId}`, source: `run:${ctx.runId}/${ctx.stepId}` }
		);
		return { assigned: result.ids.length, created: result.created };
	} catch (error) {
		if (error instanceof TrainingRequestError) throw nonRetryable(error.status === 404 ? 'TrainingModuleNotFound' : 'InvalidStepParams', `training.assign: ${error.path}: ${error.message}`);
		throw error;
	}
}
