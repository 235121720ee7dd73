import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { ApplicationFailure } from '@temporalio/common';
import { Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { WorkflowFailedError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StepChange } from '../../activities/run-ledger.ts';
import { parseRunbook } from '../../runbooks/parse.ts';
import { runStateQuery, type RunbookRunInput } from '../../workflows/definitions.ts';
import type { runbookRun } from '../../workflows/runbook-run.ts';
import { bundleWorkflows, createLocalEnvironment, recordHistory } from '../helpers/temporal-env.ts';

/**
 * The interpreter's semantics against a real Temporal server, with in-memory activities: these
 * tests are about workflow logic, so the steps' side effects are recorded, not performed.
 */
let env: TestWorkflowEnvironment;
let bundle: WorkflowBundleWithSourceMap;

beforeAll(async () => {
	[env, bundle] = await Promise.all([createLocalEnvironment(), bundleWorkflows()]);
});
afterAll(async () => {
	await env?.teardown();
});

type StepImpl = (ctx: { runId: string; stepId: string }, params: Record<string, unknown>) => Promise<Record<string, unknown>>;

function recorder(steps: Record<string, StepImpl>) {
	const calls: string[] = [];
	const changes: StepChange[] = [];
	const finished: string[] = [];
	const activities = {
		'ledger.runStarted': async () => {},
		'ledger.stepChanged': async (change: StepChange) => void changes.push(change),
		'ledger.runFinished': async ({ status }: { status: string }) => void finished.push(status),
		...Object.fromEntries(
			Object.entries(steps).map(([uses, impl]) => [
				uses,
				async (ctx: { runId: string; stepId: string }, params: Record<string, unknown>) => {
					calls.push(`${uses}:${ctx.stepId}`);
					return impl(ctx, params);
				}
			])
		)
	};
	return { calls, changes, finished, activities };
}

function runbook(yaml: string) {
	const parsed = parseRunbook(`apiVersion: tend/v1\nkind: Runbook\nmetadata: { name: t, title: T }\n${yaml}`);
	if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
	return parsed.document;
}

async function execute(yaml: string, steps: Record<string, StepImpl>) {
	const taskQueue = `test-${randomUUID()}`;
	const rec = recorder(steps);
	const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle: bundle, activities: rec.activities });
	const runId = randomUUID();
	const input: RunbookRunInput = { runId, runbook: { name: 't', version: 1 }, document: runbook(yaml), inputs: {}, target: null, initiator: { id: 'u1', username: 'alice' } };
	const result = await worker.runUntil(
		env.client.workflow.execute<typeof runbookRun>('runbookRun', { taskQueue, workflowId: `run-${runId}`, args: [input] }).then(
			(value) => ({ value, error: undefined }),
			(error: unknown) => ({ value: undefined, error })
		)
	);
	const name = `runbook-run--${expect.getState().currentTestName?.split(' > ').pop()?.replace(/[^a-z0-9]+/gi, '-').slice(0, 60)}`;
	await recordHistory(env.client, `run-${runId}`, name);
	return { ...rec, ...result };
}

const ok: StepImpl = async (ctx) => ({ done: ctx.stepId });
const boom: StepImpl = async () => {
	throw ApplicationFailure.nonRetryable('disk full', 'DiskFull');
};

describe('runbookRun', () => {
	it('runs steps in order and passes outputs to later steps through expressions', async () => {
		const seen: unknown[] = [];
		const { calls, value, finished } = await execute(
			'spec:\n  steps:\n    - { id: backup, uses: postgres.backup, with: { database: main } }\n    - { id: tell, uses: notify, with: { subject: "got ${{ steps.backup.outputs.backupId }}", size: "${{ steps.backup.outputs.size }}" } }\n',
			{
				'postgres.backup': async () => ({ backupId: 'bk-7', size: 42 }),
				notify: async (_ctx, params) => {
					seen.push(params);
					return { delivered: 1 };
				}
			}
		);
		expect(calls).toEqual(['postgres.backup:backup', 'notify:tell']);
		expect(seen).toEqual([{ subject: 'got bk-7', size: 42 }]);
		expect(value?.status).toBe('succeeded');
		expect(finished).toEqual(['succeeded']);
	});

	it('retries a failing step up to maxAttempts and then succeeds', async () => {
		let attempts = 0;
		const { value } = await execute('spec:\n  steps:\n    - { id: b, uses: postgres.backup, retry: { maxAttempts: 3, initialInterval: 10ms } }\n', {
			'postgres.backup': async () => {
				attempts += 1;
				if (attempts < 3) throw new Error(`transient ${attempts}`);
				return { backupId: 'ok' };
			}
		});
		expect(attempts).toBe(3);
		expect(value?.status).toBe('succeeded');
	});

	it('skips a step whose `if` is false', async () => {
		const { calls, changes } = await execute(
			'spec:\n  steps:\n    - { id: a, uses: backup.verify }\n    - { id: b, uses: notify, if: "${{ steps.a.outputs.mismatches }}" }\n',
			{ 'backup.verify': async () => ({ mismatches: 0 }), notify: ok }
		);
		expect(calls).toEqual(['backup.verify:a']);
		expect(changes.find((c) => c.stepId === 'b')?.status).toBe('skipped');
	});

	it('on failure with rollback, compensates completed steps in reverse order and ends rolled_back', async () => {
		const yaml = `spec:
  onFailure: rollback
  steps:
    - { id: one, uses: postgres.backup, rollback: { uses: notify, with: { undo: one } } }
    - { id: two, uses: backup.verify, rollback: { uses: notify, with: { undo: two } } }
    - { id: three, uses: postgres.backup, retry: { maxAttempts: 1 } }
`;
		let n = 0;
		const { calls, error, finished, changes } = await execute(yaml, {
			'postgres.backup': async (ctx) => (ctx.stepId === 'three' ? boom(ctx, {}) : { n: ++n }),
			'backup.verify': ok,
			notify: ok
		});
		expect(calls).toEqual(['postgres.backup:one', 'backup.verify:two', 'postgres.backup:three', 'notify:two.rollback', 'notify:one.rollback']);
		expect(finished).toEqual(['rolled_back']);
		expect(changes.filter((c) => c.status === 'compensated').map((c) => c.stepId)).toEqual(['two', 'one']);
		expect(error).toBeInstanceOf(WorkflowFailedError);
		expect(((error as WorkflowFailedError).cause as ApplicationFailure).type).toBe('StepFailed');
	});

	it('ends rollback_incomplete when a compensation fails', async () => {
		const { finished } = await execute('spec:\n  onFailure: rollback\n  steps:\n    - { id: one, uses: backup.verify, rollback: { uses: notify } }\n    - { id: two, uses: postgres.backup, retry: { maxAttempts: 1 } }\n', {
			'backup.verify': ok,
			'postgres.backup': boom,
			notify: boom
		});
		expect(finished).toEqual(['rollback_incomplete']);
	});

	it('carries on past a failed step whose onFailure is continue, and stops at one whose policy is stop', async () => {
		const { calls, finished } = await execute(
			'spec:\n  steps:\n    - { id: a, uses: postgres.backup, onFailure: continue, retry: { maxAttempts: 1 } }\n    - { id: b, uses: notify }\n    - { id: c, uses: backup.verify, retry: { maxAttempts: 1 } }\n    - { id: d, uses: notify }\n',
			{ 'postgres.backup': boom, notify: ok, 'backup.verify': boom }
		);
		expect(calls).toEqual(['postgres.backup:a', 'notify:b', 'backup.verify:c']);
		expect(finished).toEqual(['failed']);
	});

	it('answers the live-state query while a step runs', async () => {
		const taskQueue = `test-${randomUUID()}`;
		let release!: () => void;
		const gate = new Promise<void>((r) => (release = r));
		const rec = recorder({ 'postgres.backup': async () => (await gate, { backupId: 'x' }) });
		const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle: bundle, activities: rec.activities });
		const runId = randomUUID();
		await worker.runUntil(async () => {
			const handle = await env.client.workflow.start<typeof runbookRun>('runbookRun', {
				taskQueue,
				workflowId: `run-${runId}`,
				args: [{ runId, runbook: { name: 't', version: 1 }, document: runbook('spec:\n  steps:\n    - { id: a, uses: postgres.backup }\n'), inputs: {}, target: null, initiator: { id: 'u', username: 'u' } }]
			});
			let state = await handle.query(runStateQuery);
			for (let i = 0; i < 100 && state.steps[0].status !== 'running'; i++) {
				await new Promise((r) => setTimeout(r, 50));
				state = await handle.query(runStateQuery);
			}
			expect(state.steps[0].status).toBe('running');
			release();
			expect((await handle.result()).status).toBe('succeeded');
		});
	});
});
