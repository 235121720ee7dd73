import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { afterAll, beforeAll } from 'vitest';
import { parse as parseYaml } from 'yaml';
import type { ActRecord, LedgerBatch, StepChange } from '../../activities/run-ledger.ts';
import { runbookSchema, type RunbookDocument } from '../../runbooks/schema.ts';
import { checklistUpdate, decideUpdate, runStateQuery, runWorkflowId, type Actor, type ChecklistView, type DecisionRequest, type DecisionResult, type RunbookRunInput, type RunState, type WindowCheck } from '../../workflows/definitions.ts';
import type { runbookRun } from '../../workflows/runbook-run.ts';
import { bundleWorkflows, createLocalEnvironment, createTimeSkippingEnvironment, recordHistory } from '../helpers/temporal-env.ts';

/**
 * What every interpreter test needs: one dev server and bundle per file, a worker per test on its
 * own task queue, and in-memory activities that record what the workflow asked for. These tests
 * are about workflow logic, so the steps' side effects are recorded, not performed.
 */
export type StepImpl = (ctx: { runId: string; stepId: string }, params: Record<string, unknown>) => Promise<Record<string, unknown>>;
export type RunHandle = WorkflowHandle<typeof runbookRun>;

export const people = {
	alice: { id: 'u-alice', username: 'alice', roles: ['approver', 'operator'] },
	bob: { id: 'u-bob', username: 'bob', roles: ['approver'] },
	carol: { id: 'u-carol', username: 'carol', roles: ['approver'] },
	dave: { id: 'u-dave', username: 'dave', roles: ['operator'] },
	erin: { id: 'u-erin', username: 'erin', roles: ['admin'] }
} satisfies Record<string, Actor>;

export const ok: StepImpl = async (ctx) => ({ done: ctx.stepId });
export const boom: StepImpl = async () => {
	throw ApplicationFailure.nonRetryable('disk full', 'DiskFull');
};
export const slow =
	(ms: number, outputs: Record<string, unknown> = {}): StepImpl =>
	async () => (await sleep(ms), outputs);

/**
 * What the window activity answers in a test: nothing in force unless the test says otherwise.
 * `at` is the workflow's clock, which under time skipping runs ahead of the wall clock.
 */
export type WindowAnswer = (args: { window?: string; target?: string; at: string }) => Promise<WindowCheck>;
export const noWindows: WindowAnswer = async ({ at }) => ({ at, maintenance: null, freeze: null });

/** A step transition as the interpreter wrote it to the projection, with the timeline line it came with. */
export interface RecordedChange extends StepChange {
	/** The event written with it, if any: what pages render. */
	event?: { kind: string; details: Record<string, unknown> };
}

/** What a test reads back: the run's projection writes and the acts of people, as the ledger received them. */
function recorder(steps: Record<string, StepImpl>, windowAnswer: WindowAnswer = noWindows) {
	const calls: string[] = [];
	/** `start:<stepId>` and `end:<stepId>` as activities begin and return: shows which steps overlapped. */
	const timeline: string[] = [];
	const batches: LedgerBatch[] = [];
	const changes: RecordedChange[] = [];
	const events: Array<{ stepId?: string; kind: string; details: Record<string, unknown> }> = [];
	const finished: string[] = [];
	const acts: ActRecord[] = [];
	const decisions: Array<{ stepId?: string; actor: { id: string; username: string }; decision: string; comment?: string }> = [];
	const escalations: Array<{ stepId: string; to: string }> = [];
	const added: string[] = [];
	const queued: Array<{ target: string; behind: string[] }> = [];
	const activities = {
		'ledger.apply': async (batch: LedgerBatch) => {
			batches.push(batch);
			for (const event of batch.events ?? []) {
				events.push({ ...(event.stepId ? { stepId: event.stepId } : {}), kind: event.kind, details: event.details });
				if (event.kind === 'approval.escalated') escalations.push({ stepId: event.stepId!, to: String(event.details.to) });
				if (event.kind === 'run.queued') queued.push(event.details as { target: string; behind: string[] });
			}
			for (const change of batch.steps ?? []) {
				if (change.add) added.push(change.stepId);
				if (!change.status) continue;
				const event = [...(batch.events ?? [])].reverse().find((e) => e.stepId === change.stepId);
				changes.push({ ...change, ...(event ? { event: { kind: event.kind, details: event.details } } : {}) });
			}
			if (batch.run?.status && ['succeeded', 'failed', 'rolled_back', 'rollback_incomplete', 'cancelled'].includes(batch.run.status)) finished.push(batch.run.status);
			return { emergencyStop: null };
		},
		'ledger.recordAct': async (record: ActRecord) => {
			acts.push(record);
			const { act } = record;
			const decision = act.kind === 'decide' ? String(act.what.decision) : act.kind === 'checklist' ? 'check' : act.kind;
			const comment = act.what.comment ?? act.what.reason ?? act.what.notes;
			decisions.push({ ...(act.stepId ? { stepId: act.stepId } : {}), actor: { id: act.actor.id, username: act.actor.username }, decision, ...(typeof comment === 'string' ? { comment } : {}) });
		},
		'windows.check': windowAnswer,
		...Object.fromEntries(
			Object.entries(steps).map(([uses, impl]) => [
				uses,
				async (ctx: { runId: string; stepId: string }, params: Record<string, unknown>) => {
					calls.push(`${uses}:${ctx.stepId}`);
					timeline.push(`start:${ctx.stepId}`);
					const outputs = await impl(ctx, params);
					timeline.push(`end:${ctx.stepId}`);
					return outputs;
				}
			])
		)
	};
	return { calls, timeline, batches, changes, events, finished, acts, decisions, escalations, added, queued, activities };
}
export type Recording = Omit<ReturnType<typeof recorder>, 'activities'>;

/**
 * Validates against the document schema only: `approval` is not yet `available` in the catalog,
 * and the interpreter must cope with whatever the schema lets through anyway.
 */
export function runbook(yaml: string): RunbookDocument {
	return runbookSchema.parse(parseYaml(`apiVersion: tend/v1\nkind: Runbook\nmetadata: { name: t, title: T }\n${yaml}`));
}

/**
 * Registers the file's server and bundle; returns `run`, which executes one runbook on a fresh task
 * queue. With `timeSkipping`, the server is Temporal's time-skipping test server: timers fire as
 * soon as the run is idle once `drive` is done, and `drive` moves time on with `env().sleep()`.
 */
export function useRunbookRunEnvironment({ timeSkipping = false }: { timeSkipping?: boolean } = {}) {
	let env: TestWorkflowEnvironment;
	let bundle: WorkflowBundleWithSourceMap;
	beforeAll(async () => {
		[env, bundle] = await Promise.all([timeSkipping ? createTimeSkippingEnvironment() : createLocalEnvironment(), bundleWorkflows()]);
	});
	afterAll(async () => {
		await env?.teardown();
	});

	/**
	 * Runs `yaml` to its end while `drive` (if given) queries, decides or cancels through the
	 * handle. The history is recorded under `testName` for the replay test; tests run
	 * concurrently, so the name comes from the test's own context, not from global state.
	 */
	async function run(
		testName: string,
		yaml: string,
		steps: Record<string, StepImpl>,
		options: {
			inputs?: Record<string, unknown>;
			drive?: (handle: RunHandle, recording: Recording) => Promise<void>;
			windows?: WindowAnswer;
			/** Extra activities, such as child-run preparation or the target lock. */
			activities?: Record<string, (...args: never[]) => Promise<unknown>>;
			input?: Partial<RunbookRunInput>;
		} = {}
	) {
		const taskQueue = `test-${randomUUID()}`;
		const { activities: recorded, ...recording } = recorder(steps, options.windows);
		const activities = { ...recorded, ...options.activities };
		const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle: bundle, activities });
		const runId = randomUUID();
		const input: RunbookRunInput = { runId, runbook: { name: 't', version: 1 }, document: runbook(yaml), inputs: options.inputs ?? {}, target: null, initiator: { id: people.alice.id, username: people.alice.username }, ...options.input };
		const outcome = await worker.runUntil(async () => {
			const handle = await env.client.workflow.start<typeof runbookRun>('runbookRun', { taskQueue, workflowId: runWorkflowId(runId), args: [input] });
			await options.drive?.(handle, recording);
			return handle.result().then(
				(value) => ({ value, error: undefined }),
				(error: unknown) => ({ value: undefined, error })
			);
		});
		await recordHistory(env.client, runWorkflowId(runId), `runbook-run--${testName.replace(/[^a-z0-9]+/gi, '-').slice(0, 60)}`);
		const fetchHistory = () => env.client.workflow.getHandle(runWorkflowId(runId)).fetchHistory();
		// Every run replays at once against the same code: nondeterminism shows up in the test that caused it.
		await Worker.runReplayHistory({ workflowBundle: bundle }, await fetchHistory(), runWorkflowId(runId));
		return { ...recording, ...outcome, runId, fetchHistory };
	}

	return { run, env: () => env, bundle: () => bundle, recorder };
}

/** Polls the live state until `predicate` holds; the workflow moves on its own schedule, not the test's. */
export async function waitForState(handle: RunHandle, predicate: (state: RunState) => boolean, timeoutMs = 10_000): Promise<RunState> {
	const until = Date.now() + timeoutMs;
	for (;;) {
		const state = await handle.query(runStateQuery);
		if (predicate(state)) return state;
		if (Date.now() > until) throw new Error(`state never matched; last: ${JSON.stringify(state)}`);
		await sleep(50);
	}
}

export const stepStatus = (state: RunState, stepId: string) => state.steps.find((s) => s.id === stepId)?.status;

export function decide(handle: RunHandle, stepId: string, decision: DecisionRequest['decision'], actor: Actor, comment?: string): Promise<DecisionResult> {
	return handle.executeUpdate(decideUpdate, { args: [{ stepId, decision, actor, ...(comment ? { comment } : {}) }] });
}

/** The failure type a refused decision comes back with (the validator's), or 'accepted'. */
export async function refusalOf(decision: Promise<unknown>): Promise<string> {
	try {
		await decision;
		return 'accepted';
	} catch (error) {
		if (error instanceof WorkflowUpdateFailedError && error.cause instanceof ApplicationFailure) return error.cause.type ?? 'untyped';
		throw error;
	}
}

/** Ticks off checklist items of a manual step as `actor`. */
export function tick(handle: RunHandle, stepId: string, items: number[], actor: Actor, notes?: string): Promise<ChecklistView> {
	return handle.executeUpdate(checklistUpdate, { args: [{ stepId, items, actor, ...(notes ? { notes } : {}) }] });
}
