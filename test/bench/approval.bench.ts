import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode, Worker } from '@temporalio/worker';
import { createLedgerActivities } from '../../activities/run-ledger.ts';
import { decideUpdate } from '../../workflows/definitions.ts';
import { createLocalEnvironment } from '../helpers/temporal-env.ts';
import { approver, isWaitingForApproval, publishApprovalRunbook, startApprovalRun, until } from './approval-runs.ts';
import { baselineDecideUpdate, parkedQuery, type baselineApproval } from './baseline-workflows.ts';
import { percentile, startBenchDatabase } from './harness.ts';

/**
 * How long after an approver's decision the runbook's next step starts: from sending the `decide`
 * Update (as web/src/lib/server/approvals.ts sends it) to the next step's activity being invoked on
 * the worker, against a bare Update round trip on a hand-written workflow. The run uses the real
 * ledger on a real PostgreSQL: recording the decision in the audit log before it counts is part of
 * what a decision costs. Worker, client and activity share this process, so one clock times both ends.
 */
const benchWorkflowsPath = fileURLToPath(new URL('./bench-workflows.ts', import.meta.url));

interface Samples {
	baseline: number[];
	/** Decision sent → next step's activity started. */
	candidate: number[];
	/** Decision sent → the `decide` Update answered: what the approver waits for. */
	answered: number[];
}

export default async function approvalBench({ samples = Number(process.env.BENCH_APPROVAL_N ?? 100), warmup = 5 } = {}): Promise<void> {
	const [bench, env, bundle] = await Promise.all([startBenchDatabase({ seedCrm: false }), createLocalEnvironment(), bundleWorkflowCode({ workflowsPath: benchWorkflowsPath, logger: undefined })]);
	try {
		const published = await publishApprovalRunbook(bench.db);
		const taskQueue = `bench-approval-${randomUUID()}`;
		const nextStepStarted = new Map<string, (at: number) => void>();
		const activities = {
			...createLedgerActivities({ db: bench.db }),
			notify: async ({ runId }: { runId: string }) => (nextStepStarted.get(runId)?.(performance.now()), {})
		};
		const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle: bundle, activities });
		const client = env.client;

		/** Parks one of each, then times the decisions one at a time, so neither competes with the other. */
		async function round(into: Samples | undefined, baselineFirst: boolean): Promise<void> {
			const [baseline, candidate] = await Promise.all([
				(async () => {
					const handle = await client.workflow.start<typeof baselineApproval>('baselineApproval', { taskQueue, workflowId: `bench-baseline-approval-${randomUUID()}` });
					await until(() => handle.query(parkedQuery), 'the baseline to park');
					return handle;
				})(),
				(async () => {
					const run = await startApprovalRun(bench.db, client, taskQueue, published);
					await until(() => isWaitingForApproval(run.handle), 'the approval step to wait');
					return run;
				})()
			]);
			const timeBaseline = async () => {
				const sent = performance.now();
				await baseline.executeUpdate(baselineDecideUpdate, { args: ['approve'] });
				into?.baseline.push(performance.now() - sent);
				await baseline.result();
			};
			const timeCandidate = async () => {
				const started = new Promise<number>((resolve) => nextStepStarted.set(candidate.runId, resolve));
				const sent = performance.now();
				const result = await candidate.handle.executeUpdate(decideUpdate, {
					args: [{ stepId: 'approve', decision: 'approve', actor: approver }],
					updateId: `decide-approve-${approver.id}-approve`
				});
				const answered = performance.now();
				if (result.verdict !== 'approved') throw new Error(`bench decision came back ${result.verdict}`);
				const ran = await started;
				into?.candidate.push(ran - sent);
				into?.answered.push(answered - sent);
				const { status } = await candidate.handle.result();
				if (status !== 'succeeded') throw new Error(`bench run ended ${status}`);
				nextStepStarted.delete(candidate.runId);
			};
			for (const time of baselineFirst ? [timeBaseline, timeCandidate] : [timeCandidate, timeBaseline]) await time();
		}

		const measured: Samples = { baseline: [], candidate: [], answered: [] };
		await worker.runUntil(async () => {
			// The first rounds pay for the isolate, the task queue and the database pool: keep them out of the samples.
			for (let i = 0; i < warmup; i++) await round(undefined, i % 2 === 0);
			for (let i = 0; i < samples; i++) await round(measured, i % 2 === 0);
		});
		reportPercentiles(`approval: decide Update sent → next step's activity started, ${samples} samples each, vs bare Update round trip`, measured);
	} finally {
		await env.teardown();
		await bench.close();
	}
}

function reportPercentiles(title: string, samples: Samples): void {
	const line = (label: string, values: number[]) =>
		console.log(`  ${label.padEnd(44)} p50 ${percentile(values, 50).toFixed(1).padStart(6)} ms   p95 ${percentile(values, 95).toFixed(1).padStart(6)} ms`);
	console.log(`\n${title}`);
	line('bare Update round trip (baseline)', samples.baseline);
	line('decision → next activity started', samples.candidate);
	line('decide Update answered (approver waits)', samples.answered);
	const ratio = (p: number) => (percentile(samples.candidate, p) / percentile(samples.baseline, p)).toFixed(3);
	console.log(`  ratio p50/p50 ${ratio(50)}   p95/p95 ${ratio(95)}`);
}
