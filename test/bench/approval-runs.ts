import { randomUUID } from 'node:crypto';
import type { Client, WorkflowHandle } from '@temporalio/client';
import { and, eq } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { runbooks, runbookVersions, runs, runSteps } from '../../db/schema/index.ts';
import { runbookSchema } from '../../runbooks/schema.ts';
import { publishRunbook } from '../../shared/runbook-store.ts';
import { runStateQuery, runWorkflowId, type Actor, type RunbookRunInput } from '../../workflows/definitions.ts';
import type { runbookRun } from '../../workflows/runbook-run.ts';

/**
 * The runbook the approval benchmarks run, published and started as the web app does it (a run
 * row with its pending steps, then the workflow), so the real ledger has rows to write to.
 */
export const approvalRunbook = runbookSchema.parse({
	apiVersion: 'tend/v1',
	kind: 'Runbook',
	metadata: { name: 'bench-approval', title: 'Bench approval' },
	spec: {
		steps: [
			{ id: 'approve', uses: 'approval', with: { approvers: ['role:approver'], quorum: 1 } },
			{ id: 'after', uses: 'notify' }
		]
	}
});

/** Four eyes: the approver is someone other than the initiator, as the validator requires. */
export const initiator = { id: 'u-bench-alice', username: 'bench-alice' };
export const approver: Actor = { id: 'u-bench-bob', username: 'bench-bob', roles: ['approver'] };

export type RunHandle = WorkflowHandle<typeof runbookRun>;

export async function publishApprovalRunbook(db: Db): Promise<{ versionId: string; version: number }> {
	const { version } = await publishRunbook(db, approvalRunbook, JSON.stringify(approvalRunbook), { username: 'bench' });
	const [row] = await db
		.select({ id: runbookVersions.id })
		.from(runbookVersions)
		.innerJoin(runbooks, eq(runbooks.id, runbookVersions.runbookId))
		.where(and(eq(runbooks.name, approvalRunbook.metadata.name), eq(runbookVersions.version, version)));
	return { versionId: row.id, version };
}

/** startRun in web/src/lib/server/runs.ts, less input checks and audit: the benchmarks time the workflow, not the request. */
export async function startApprovalRun(db: Db, client: Client, taskQueue: string, published: { versionId: string; version: number }): Promise<{ runId: string; handle: RunHandle }> {
	const runId = randomUUID();
	const workflowId = runWorkflowId(runId);
	await db.transaction(async (tx) => {
		await tx.insert(runs).values({ id: runId, runbookName: approvalRunbook.metadata.name, versionId: published.versionId, version: published.version, initiator: initiator.username, workflowId });
		await tx.insert(runSteps).values(approvalRunbook.spec.steps.map((step, position) => ({ runId, stepId: step.id, position, uses: step.uses })));
	});
	const input: RunbookRunInput = { runId, runbook: { name: approvalRunbook.metadata.name, version: published.version }, document: approvalRunbook, inputs: {}, target: null, initiator };
	const handle = await client.workflow.start<typeof runbookRun>('runbookRun', { taskQueue, workflowId, args: [input] });
	return { runId, handle };
}

/** True once the approval step is on record as waiting, i.e. once a decision can count. */
export async function isWaitingForApproval(handle: RunHandle): Promise<boolean> {
	const state = await handle.query(runStateQuery);
	return state.steps.find((s) => s.id === 'approve')?.status === 'waiting';
}

/** Polls `check` until it holds; the workflow moves on its own schedule, not the benchmark's. */
export async function until(check: () => Promise<boolean>, what: string, timeoutMs = 60_000): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	while (!(await check())) {
		if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
		await new Promise((resolve) => setTimeout(resolve, 10));
	}
}
