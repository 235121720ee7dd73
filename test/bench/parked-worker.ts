import { Session } from 'node:inspector';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { createLedgerActivities } from '../../activities/run-ledger.ts';
import { createDb } from '../../db/client.ts';

/**
 * The worker whose memory parked.bench.ts measures, in a process of its own so that the figures
 * hold nothing of the benchmark's client, bundler or server. Configured as worker/main.ts is
 * (the SDK's defaults, so its default sticky cache) unless BENCH_MAX_CACHED says otherwise.
 * The parent talks to it over IPC: `measure` answers the process's memory after a full GC.
 */
export type ParkedWorkerMessage = { type: 'ready'; maxCachedWorkflows: number } | { type: 'memory'; memory: WorkerMemory };
export interface WorkerMemory {
	rss: number;
	/** V8 heap in use, summed over the main isolate and every worker thread (workflows run in one). */
	heapUsed: number;
	isolates: number;
}

Runtime.install({ logger: new DefaultLogger('WARN') });

const env = (name: string) => process.env[name] ?? (console.error(`parked-worker: ${name} is not set`), process.exit(2));

/**
 * Workflows run in a worker thread whose heap process.memoryUsage() does not show and gc() does
 * not reach; the inspector's NodeWorker domain reaches every thread's isolate, the main one too.
 */
class IsolateInspector {
	private readonly session = new Session();
	private readonly threads: string[] = [];
	private readonly replies = new Map<number, (result: unknown) => void>();
	private nextId = 0;

	async attach(): Promise<void> {
		this.session.connect();
		this.session.on('NodeWorker.attachedToWorker', (message) => void this.threads.push(message.params.sessionId));
		this.session.on('NodeWorker.receivedMessageFromWorker', (message) => {
			const reply = JSON.parse(message.params.message) as { id?: number; result?: unknown };
			if (reply.id !== undefined) this.replies.get(reply.id)?.(reply.result);
			this.replies.delete(reply.id ?? -1);
		});
		await this.post('NodeWorker.enable', { waitForDebuggerOnStart: false });
	}

	private post(method: string, params?: object): Promise<unknown> {
		return new Promise((resolve, reject) => this.session.post(method, params, (error, result) => (error ? reject(error) : resolve(result))));
	}

	private inThread(sessionId: string, method: string): Promise<unknown> {
		const id = ++this.nextId;
		const reply = new Promise<unknown>((resolve) => this.replies.set(id, resolve));
		void this.post('NodeWorker.sendMessageToWorker', { sessionId, message: JSON.stringify({ id, method }) });
		return reply;
	}

	async measure(): Promise<WorkerMemory> {
		const everywhere = async (method: string) => [await this.post(method), ...(await Promise.all(this.threads.map((t) => this.inThread(t, method))))];
		// Twice: the first pass frees what finalizers release for the second.
		await everywhere('HeapProfiler.collectGarbage');
		await everywhere('HeapProfiler.collectGarbage');
		const heaps = (await everywhere('Runtime.getHeapUsage')) as Array<{ usedSize: number }>;
		return { rss: process.memoryUsage().rss, heapUsed: heaps.reduce((sum, h) => sum + h.usedSize, 0), isolates: heaps.length };
	}
}

const send = (message: ParkedWorkerMessage) => process.send!(message);
const db = createDb(env('DATABASE_URL'));
const connection = await NativeConnection.connect({ address: env('TEMPORAL_ADDRESS') });
const maxCached = process.env.BENCH_MAX_CACHED ? Number(process.env.BENCH_MAX_CACHED) : undefined;
const worker = await Worker.create({
	connection,
	taskQueue: env('BENCH_TASK_QUEUE'),
	workflowBundle: { codePath: env('BENCH_BUNDLE_PATH') },
	activities: { ...createLedgerActivities({ db }), notify: async () => ({}) },
	shutdownGraceTime: '10s',
	...(maxCached !== undefined ? { maxCachedWorkflows: maxCached } : {})
});
const inspector = new IsolateInspector();
await inspector.attach();

process.on('message', (message: { type: 'measure' | 'stop' }) => {
	if (message.type === 'measure') void inspector.measure().then((memory) => send({ type: 'memory', memory }));
	if (message.type === 'stop') worker.shutdown();
});
send({ type: 'ready', maxCachedWorkflows: worker.options.maxCachedWorkflows });
try {
	await worker.run();
} finally {
	await connection.close();
	await db.$client.end();
	process.disconnect();
}
