import { eq } from 'drizzle-orm';
import { runs } from '../../../../db/schema/index.ts';
import { appendAudit } from '../../../../shared/audit.ts';
import { config } from '../../../../shared/config.ts';
import { RunbookNotFoundError, startRunbookRun } from '../../../../shared/run-start.ts';
import { isRunFinished } from '../run-types.ts';
import { getDb as db } from './db.ts';
import { temporalClient } from './temporal.ts';

export { RunbookNotFoundError, RunInputError } from '../../../../shared/run-start.ts';

/**
 * Starts a run of a published version (the latest unless `version` pins one); see
 * shared/run-start.ts, which schedules use too. Throws RunbookNotFoundError or RunInputError.
 */
export async function startRun(args: {
	runbookName: string;
	version?: number;
	inputs: Record<string, unknown>;
	initiator: { id: string; username: string };
}): Promise<{ id: string }> {
	const client = await temporalClient();
	const { id } = await startRunbookRun({ db: db(), workflows: client.workflow, taskQueue: config().TEND_TASK_QUEUE }, args);
	return { id };
}

export class RunStateError extends Error {
	override name = 'RunStateError';
}

/**
 * Asks the run's workflow to cancel. The workflow decides what that means (finish the step in
 * flight, compensate with `rollback`) and mirrors the outcome; the request itself is audited.
 */
export async function cancelRun(id: string, actor: { username: string }, reason?: string): Promise<void> {
	const [run] = await db().select({ status: runs.status, workflowId: runs.workflowId }).from(runs).where(eq(runs.id, id));
	if (!run) throw new RunbookNotFoundError(`no run "${id}"`);
	if (isRunFinished(run.status)) throw new RunStateError(`the run has already ended (${run.status.replace('_', ' ')})`);
	await db().transaction(async (tx) => {
		await appendAudit(tx, { actor: actor.username, action: 'run.cancel', subject: `run:${id}`, details: reason ? { reason } : {} });
		const client = await temporalClient();
		await client.workflow.getHandle(run.workflowId).cancel();
	});
}
