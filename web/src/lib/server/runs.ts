import { randomUUID } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import type { runbookRun } from '../../../../workflows/runbook-run.ts';
import { runbooks, runbookVersions, runs, runSteps, targets } from '../../../../db/schema/index.ts';
import { resolveInputs } from '../../../../runbooks/inputs.ts';
import type { DocumentError } from '../../../../runbooks/parse.ts';
import { runbookSchema } from '../../../../runbooks/schema.ts';
import { appendAudit } from '../../../../shared/audit.ts';
import { config } from '../../../../shared/config.ts';
import { runWorkflowId, type RunbookRunInput, type TargetContext } from '../../../../workflows/definitions.ts';
import { isRunFinished } from '../run-types.ts';
import { getDb as db } from './db.ts';
import { temporalClient } from './temporal.ts';

export class RunInputError extends Error {
	override name = 'RunInputError';
	constructor(readonly errors: DocumentError[]) {
		super(errors.map((e) => `${e.path}: ${e.message}`).join('; '));
	}
}

export class RunbookNotFoundError extends Error {
	override name = 'RunbookNotFoundError';
}

function targetContext(row: typeof targets.$inferSelect): TargetContext {
	const spec = (row.document.spec ?? {}) as { urls?: Record<string, string> };
	return { name: row.name, title: row.title, urls: spec.urls ?? {} };
}

/**
 * Starts a run of a published version (the latest unless `version` pins one): validates the
 * inputs, writes the run and its pending steps, and starts the workflow in the same
 * transaction, so a failed start leaves no run behind.
 */
export async function startRun(args: {
	runbookName: string;
	version?: number;
	inputs: Record<string, unknown>;
	initiator: { id: string; username: string };
}): Promise<{ id: string }> {
	const [runbook] = await db().select().from(runbooks).where(eq(runbooks.name, args.runbookName));
	if (!runbook || runbook.latestVersion === 0) throw new RunbookNotFoundError(`no runbook named "${args.runbookName}"`);
	const versionNumber = args.version ?? runbook.latestVersion;
	const [version] = await db()
		.select()
		.from(runbookVersions)
		.where(and(eq(runbookVersions.runbookId, runbook.id), eq(runbookVersions.version, versionNumber)));
	if (!version) throw new RunbookNotFoundError(`runbook "${args.runbookName}" has no version ${versionNumber}`);

	const document = runbookSchema.parse(version.document);
	const inputs = resolveInputs(document, args.inputs);
	if (!inputs.ok) throw new RunInputError(inputs.errors);
	let target: TargetContext | null = null;
	if (document.spec.target) {
		const [row] = await db().select().from(targets).where(eq(targets.name, document.spec.target));
		if (!row) throw new RunInputError([{ path: 'spec.target', message: `target "${document.spec.target}" is not registered` }]);
		target = targetContext(row);
	}

	const id = randomUUID();
	const workflowId = runWorkflowId(id);
	const input: RunbookRunInput = { runId: id, runbook: { name: runbook.name, version: version.version }, document, inputs: inputs.inputs, target, initiator: args.initiator };
	await db().transaction(async (tx) => {
		await tx.insert(runs).values({
			id,
			runbookName: runbook.name,
			versionId: version.id,
			version: version.version,
			target: target?.name ?? null,
			initiatorId: args.initiator.id,
			initiator: args.initiator.username,
			inputs: inputs.inputs,
			workflowId
		});
		await tx.insert(runSteps).values(document.spec.steps.map((step, position) => ({ runId: id, stepId: step.id, position, uses: step.uses })));
		await appendAudit(tx, { actor: args.initiator.username, action: 'run.start', subject: `run:${id}`, details: { runbook: runbook.name, version: version.version, inputs: inputs.inputs } });
		const client = await temporalClient();
		await client.workflow.start<typeof runbookRun>('runbookRun', { taskQueue: config().TEND_TASK_QUEUE, workflowId, args: [input] });
	});
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
