import { fork, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Client, WorkflowHandle } from '@temporalio/client';
import { bundleWorkflowCode } from '@temporalio/worker';
import { workflowsPath } from '../../worker/workflows-path.ts';
import { decideUpdate } from '../../workflows/definitions.ts';
import { createLocalEnvironment } from '../helpers/temporal-env.ts';
import { approver, isWaitingForApproval, publishApprovalRunbook, startApprovalRun, until, type RunHandle } from './approval-runs.ts';
import { parkedQuery, releaseSignal, type baselineParked } from './baseline-workflows.ts';
import { startBenchDatabase, type BenchDatabase } from './harness.ts';
import type { ParkedWorkerMessage, WorkerMemory } from './parked-worker.ts';

/**
 * What a run parked at an approval costs the worker that holds it in its sticky cache: the worker's
 * RSS and V8 heap (after a full GC, every isolate) before and after parking N runbook runs at an
 * approval, against N hand-written workflows parked on `condition()` until a signal. Each side
 * gets a fresh worker process, so neither inherits the other's cache or heap, and its own bundle:
 * the runbook runs use the production worker's bundle, the baseline one holding only itself. A
 * workflow instantiates every module of its bundle, so a shared bundle would charge the baseline
 * for the interpreter's modules too; a third measurement, the baseline in Tend's bundle, shows how
 * much of a parked run's memory that is.
 */
const repo = fileURLToPath(new URL('../../', import.meta.url));
const workerScript = fileURLToPath(new URL('./parked-worker.ts', import.meta.url));
const baselineWorkflowsPath = fileURLToPath(new URL('./baseline-workflows.ts', import.meta.url));
const benchWorkflowsPath = fileURLToPath(new URL('./bench-workflows.ts', import.meta.url));
const MB = 1024 * 1024;

/** One kind of parked workflow: how to start one, how to tell it is parked, and how to let a warm-up one finish. */
interface Parkable {
	label: string;
	bundlePath: string;
	start(client: Client, taskQueue: string): Promise<WorkflowHandle>;
	isParked(handle: WorkflowHandle): Promise<boolean>;
	release(handle: WorkflowHandle): Promise<void>;
}

interface Measurement {
	before: WorkerMemory;
	after: WorkerMemory;
	maxCachedWorkflows: number;
}

/** Runs `work` over `items`, at most `limit` at a time: a thousand starts at once only measure the server's queue. */
async function eachLimited<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
	let next = 0;
	await Promise.all(Array.from({ length: Math.min(limit, items.length) }, async () => {
		while (next < items.length) await work(items[next++]);
	}));
}

class WorkerProcess {
	private constructor(
		private readonly child: ChildProcess,
		readonly maxCachedWorkflows: number
	) {}

	static async start(env: Record<string, string>): Promise<WorkerProcess> {
		const child = fork(workerScript, [], { cwd: repo, execArgv: ['--import', 'tsx'], env: { ...process.env, ...env }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
		const ready = await nextMessage(child);
		if (ready.type !== 'ready') throw new Error(`bench worker said ${ready.type} before ready`);
		return new WorkerProcess(child, ready.maxCachedWorkflows);
	}

	async memory(): Promise<WorkerMemory> {
		const answer = nextMessage(this.child);
		this.child.send({ type: 'measure' });
		const reply = await answer;
		if (reply.type !== 'memory') throw new Error(`bench worker answered ${reply.type}`);
		return reply.memory;
	}

	async stop(): Promise<void> {
		if (this.child.exitCode !== null) return;
		const exited = once(this.child, 'exit');
		this.child.send({ type: 'stop' });
		await exited;
	}
}

/** The child's next message; a child that dies first fails the benchmark instead of hanging it. */
async function nextMessage(child: ChildProcess): Promise<ParkedWorkerMessage> {
	const died = once(child, 'exit').then(([code]) => Promise.reject(new Error(`bench worker exited with ${code}`)));
	const [message] = (await Promise.race([once(child, 'message'), died])) as [ParkedWorkerMessage];
	return message;
}

async function measureParked(kind: Parkable, runs: number, bench: BenchDatabase, client: Client, address: string): Promise<Measurement> {
	const taskQueue = `bench-parked-${randomUUID()}`;
	const worker = await WorkerProcess.start({
		DATABASE_URL: bench.postgres.url('tend'),
		TEMPORAL_ADDRESS: address,
		BENCH_TASK_QUEUE: taskQueue,
		BENCH_BUNDLE_PATH: kind.bundlePath
	});
	const parked: WorkflowHandle[] = [];
	try {
		// Warm-up runs load the workflow code into the isolate and open the database pool; they finish, so they leave the cache.
		await eachLimited(Array.from({ length: 5 }), 5, async () => {
			const handle = await kind.start(client, taskQueue);
			await until(() => kind.isParked(handle), `a warm-up ${kind.label} to park`);
			await kind.release(handle);
			await handle.result();
		});
		const before = await worker.memory();
		await eachLimited(Array.from({ length: runs }), 20, async () => void parked.push(await kind.start(client, taskQueue)));
		// Every one, not a sample: a run still starting when memory is read would make the figure too small.
		let waiting = parked;
		const deadline = Date.now() + 10 * 60_000;
		while (waiting.length) {
			if (Date.now() > deadline) throw new Error(`${waiting.length} of ${runs} ${kind.label} never parked`);
			const still: WorkflowHandle[] = [];
			await eachLimited(waiting, 20, async (handle) => void ((await kind.isParked(handle)) || still.push(handle)));
			waiting = still;
		}
		const after = await worker.memory();
		return { before, after, maxCachedWorkflows: worker.maxCachedWorkflows };
	} finally {
		await eachLimited(parked, 20, async (handle) => void (await handle.terminate('benchmark over')));
		await worker.stop();
	}
}

export default async function parkedBench({ runs = Number(process.env.BENCH_PARKED_N ?? 1000) } = {}): Promise<void> {
	const [bench, env, ...bundles] = await Promise.all([
		startBenchDatabase({ seedCrm: false }),
		createLocalEnvironment(),
		...[baselineWorkflowsPath, benchWorkflowsPath, workflowsPath].map((path) => bundleWorkflowCode({ workflowsPath: path, logger: undefined }))
	]);
	try {
		const [baselineBundle, sharedBundle, tendBundle] = bundles.map((bundle, i) => {
			const file = join(bench.home, `bundle-${i}.js`);
			writeFileSync(file, bundle.code);
			return file;
		});
		const published = await publishApprovalRunbook(bench.db);
		const parkedOnCondition = (bundlePath: string): Parkable => ({
			label: 'condition() workflow',
			bundlePath,
			start: (client, taskQueue) => client.workflow.start<typeof baselineParked>('baselineParked', { taskQueue, workflowId: `bench-parked-${randomUUID()}` }),
			isParked: (handle) => handle.query(parkedQuery),
			release: (handle) => handle.signal(releaseSignal)
		});
		const parkedAtApproval: Parkable = {
			label: 'runbook run',
			bundlePath: tendBundle,
			start: async (client, taskQueue) => (await startApprovalRun(bench.db, client, taskQueue, published)).handle,
			isParked: (handle) => isWaitingForApproval(handle as RunHandle),
			release: async (handle) => void (await (handle as RunHandle).executeUpdate(decideUpdate, { args: [{ stepId: 'approve', decision: 'approve', actor: approver }] }))
		};
		const baseline = await measureParked(parkedOnCondition(baselineBundle), runs, bench, env.client, env.address);
		const inTendBundle = await measureParked(parkedOnCondition(sharedBundle), runs, bench, env.client, env.address);
		const candidate = await measureParked(parkedAtApproval, runs, bench, env.client, env.address);
		reportMemory(runs, baseline, inTendBundle, candidate);
	} finally {
		await env.teardown();
		await bench.close();
	}
}

function reportMemory(runs: number, baseline: Measurement, inTendBundle: Measurement, candidate: Measurement): void {
	const perRun = (m: Measurement, key: 'rss' | 'heapUsed') => (m.after[key] - m.before[key]) / runs;
	const line = (label: string, m: Measurement) =>
		console.log(
			`  ${label.padEnd(40)} RSS ${(m.before.rss / MB).toFixed(1)} → ${(m.after.rss / MB).toFixed(1)} MB (${(perRun(m, 'rss') / 1024).toFixed(1)} KB/run)` +
				`   heap ${(m.before.heapUsed / MB).toFixed(1)} → ${(m.after.heapUsed / MB).toFixed(1)} MB (${(perRun(m, 'heapUsed') / 1024).toFixed(1)} KB/run)`
		);
	const cache = new Set([baseline, inTendBundle, candidate].map((m) => m.maxCachedWorkflows));
	console.log(`\nparked: worker memory with ${runs} runbook runs parked at an approval, vs ${runs} workflows parked on condition() (maxCachedWorkflows ${[...cache].join(' / ')})`);
	if (Math.min(...cache) < runs) console.log(`  note: the sticky cache holds fewer than ${runs} workflows, so some were evicted and the per-run figures are too low`);
	line('condition() + signal (baseline)', baseline);
	// Same workflow, Tend's bundle: each workflow instantiates every module its bundle holds, so this line shows what the bundle costs apart from the interpreter's state.
	line('condition() + signal, in Tend\'s bundle', inTendBundle);
	line('runbookRun at an approval', candidate);
	console.log(`  ratio per run: RSS ${(perRun(candidate, 'rss') / perRun(baseline, 'rss')).toFixed(3)}   heap ${(perRun(candidate, 'heapUsed') / perRun(baseline, 'heapUsed')).toFixed(3)}`);
}
