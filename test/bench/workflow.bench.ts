import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { runbookSchema, type RunbookDocument } from '../../runbooks/schema.ts';
import { runWorkflowId, type RunbookRunInput } from '../../workflows/definitions.ts';
import type { runbookRun } from '../../workflows/runbook-run.ts';
import { createLocalEnvironment } from '../helpers/temporal-env.ts';
import type { baselineSequence } from './baseline-workflows.ts';
import { compare, median, report } from './harness.ts';

/**
 * The interpreter's own cost on a real dev server: `runbookRun` over no-op `notify` steps against
 * a workflow that schedules the same activities by hand. The ledger activities stay registered as
 * no-ops: the transitions they record are part of what the interpreter costs.
 */
const benchWorkflowsPath = fileURLToPath(new URL('./bench-workflows.ts', import.meta.url));

const noop = async () => {};
const activities = {
	notify: async () => ({}),
	'ledger.apply': async () => ({ emergencyStop: null }),
	'ledger.recordAct': noop,
	'ledger.runStarted': async () => ({ emergencyStop: null }),
	'ledger.runQueued': noop,
	'ledger.stepEvent': noop,
	'ledger.stepChanged': noop,
	'ledger.stepsChanged': noop,
	'ledger.stepsAdded': noop,
	'ledger.decisionRecorded': noop,
	'ledger.approvalEscalated': noop,
	'ledger.runFinished': noop
};

function noopRunbook(steps: number): RunbookDocument {
	return runbookSchema.parse({
		apiVersion: 'tend/v1',
		kind: 'Runbook',
		metadata: { name: 'bench', title: 'Bench' },
		spec: { steps: Array.from({ length: steps }, (_, i) => ({ id: `s${i}`, uses: 'notify' })) }
	});
}

interface Runner {
	runbook(): Promise<void>;
	baseline(): Promise<void>;
}

/** Runs `work` with a fresh worker on its own task queue, sharing the file's server and bundle. */
async function withWorker<T>(env: TestWorkflowEnvironment, bundle: WorkflowBundleWithSourceMap, steps: number, work: (runner: Runner) => Promise<T>): Promise<T> {
	const taskQueue = `bench-${randomUUID()}`;
	const document = noopRunbook(steps);
	const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle: bundle, activities });
	const runner: Runner = {
		async runbook() {
			const runId = randomUUID();
			const input: RunbookRunInput = { runId, runbook: { name: 'bench', version: 1 }, document, inputs: {}, target: null, initiator: { id: 'u-bench', username: 'bench' } };
			const { status } = await env.client.workflow.execute<typeof runbookRun>('runbookRun', { taskQueue, workflowId: runWorkflowId(runId), args: [input] });
			if (status !== 'succeeded') throw new Error(`bench runbook ended ${status}`);
		},
		async baseline() {
			const runId = randomUUID();
			await env.client.workflow.execute<typeof baselineSequence>('baselineSequence', { taskQueue, workflowId: `bench-baseline-${runId}`, args: [runId, steps] });
		}
	};
	return worker.runUntil(() => work(runner));
}

const times = (n: number, run: () => Promise<void>) => async () => void (await Promise.all(Array.from({ length: n }, run)));

/** report()'s layout, in runs per second: for throughput a higher number is the better one. */
function reportThroughput(title: string, baselineLabel: string, candidateLabel: string, runs: number, samples: { baseline: number[]; candidate: number[] }, goal: string): void {
	const perSecond = (ms: number[]) => ms.map((v) => (runs * 1000) / v);
	const b = perSecond(samples.baseline);
	const c = perSecond(samples.candidate);
	const fmt = (values: number[]) => values.map((v) => v.toFixed(1)).join(', ');
	console.log(`\n${title}`);
	console.log(`  ${baselineLabel.padEnd(34)} median ${median(b).toFixed(1)} runs/s  (${fmt(b)})`);
	console.log(`  ${candidateLabel.padEnd(34)} median ${median(c).toFixed(1)} runs/s  (${fmt(c)})`);
	console.log(`  ratio ${(median(c) / median(b)).toFixed(3)}  (goal ${goal})`);
}

/**
 * The issue asks for 500 concurrent runs; on a 2-core machine one round of 500 runbooks takes about
 * two minutes, so the default is 200 and the title says so. BENCH_WORKFLOW_N=500 restores the figure.
 */
export default async function workflowBench({ latencyRounds = 9, throughputRounds = 3, concurrent = Number(process.env.BENCH_WORKFLOW_N ?? 200) } = {}): Promise<void> {
	const [env, bundle] = await Promise.all([createLocalEnvironment(), bundleWorkflowCode({ workflowsPath: benchWorkflowsPath, logger: undefined })]);
	try {
		await withWorker(env, bundle, 20, async (runner) => {
			// The first runs pay for the worker's isolate and the server's task queue: keep them out of the samples.
			await runner.baseline();
			await runner.runbook();
			const samples = await compare(latencyRounds, runner.baseline, runner.runbook);
			report('runbookRun, 20 no-op steps, one run at a time, vs hand-written workflow', 'hand-written 20 activities (baseline)', 'runbookRun 20 steps', samples, '≤ 1.10');
		});
		await withWorker(env, bundle, 5, async (runner) => {
			await times(20, runner.baseline)();
			await times(20, runner.runbook)();
			const samples = await compare(throughputRounds, times(concurrent, runner.baseline), times(concurrent, runner.runbook));
			reportThroughput(`runbookRun throughput, ${concurrent} concurrent 5-step runs${concurrent === 500 ? '' : ' (issue asks 500: too slow on 2 cores)'}, vs hand-written workflow`, 'hand-written 5 activities (baseline)', 'runbookRun 5 steps', concurrent, samples, '≥ 0.85');
		});
	} finally {
		await env.teardown();
	}
}
