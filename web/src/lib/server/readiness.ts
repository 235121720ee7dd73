import { optionalTsToMs } from '@temporalio/common/lib/time';
import proto from '@temporalio/proto';
import type { QueryConfig } from 'pg';
import { config } from '../../../../shared/config.ts';
import { getDb } from './db.ts';
import { temporalClient } from './temporal.ts';

export interface Check {
	ok: boolean;
	/** Why not, in words that name no host, address or credential. */
	reason?: string;
}

export interface Readiness {
	ready: boolean;
	checks: { database: Check; temporal: Check; worker: Check };
}

/** Each check gives up after this long: a load balancer's probe must get its answer quickly. */
const CHECK_TIMEOUT_MS = 2000;
/** Probes from several balancers, or a refresh storm, share one evaluation. */
const CACHE_MS = 3000;

// A CommonJS package: Node's ESM loader sees only its default export.
const { temporal } = proto;

const QUEUE_TYPES = [
	['workflow', temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW],
	['activity', temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY]
] as const;

let cached: { at: number; result: Promise<Readiness> } | undefined;

/**
 * Whether this web process can do its work: Tend's database answers, Temporal answers, and a
 * worker has polled the task queue recently (for workflow and activity tasks), as Temporal's
 * DescribeTaskQueue reports its pollers' last access times.
 */
export function readiness(now = Date.now()): Promise<Readiness> {
	if (!cached || now - cached.at >= CACHE_MS) cached = { at: now, result: evaluate() };
	return cached.result;
}

async function evaluate(): Promise<Readiness> {
	const [database, queue] = await Promise.all([checkDatabase(), checkTaskQueue()]);
	const checks = { database, ...queue };
	return { ready: database.ok && queue.temporal.ok && queue.worker.ok, checks };
}

function withTimeout<T>(work: Promise<T>): Promise<T> {
	let timer: NodeJS.Timeout | undefined;
	const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error('timed out')), CHECK_TIMEOUT_MS)));
	return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

async function checkDatabase(): Promise<Check> {
	try {
		// pg honours query_timeout per query (its types know it only per client): a hung server then frees the pool's connection too.
		const probe: QueryConfig & { query_timeout: number } = { text: 'select 1', query_timeout: CHECK_TIMEOUT_MS };
		await withTimeout(getDb().$client.query(probe));
		return { ok: true };
	} catch {
		return { ok: false, reason: `Tend's database did not answer within ${CHECK_TIMEOUT_MS / 1000} s` };
	}
}

async function checkTaskQueue(): Promise<{ temporal: Check; worker: Check }> {
	const cfg = config();
	let lastPolls: Array<number | undefined>;
	try {
		const client = await withTimeout(temporalClient());
		lastPolls = await client.withDeadline(Date.now() + CHECK_TIMEOUT_MS, () =>
			Promise.all(
				QUEUE_TYPES.map(async ([, taskQueueType]) => {
					const { pollers } = await client.workflowService.describeTaskQueue({
						namespace: cfg.TEMPORAL_NAMESPACE,
						taskQueue: { name: cfg.TEND_TASK_QUEUE, kind: temporal.api.enums.v1.TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
						taskQueueType
					});
					const seen = (pollers ?? []).map((poller) => optionalTsToMs(poller.lastAccessTime) ?? 0);
					return seen.length ? Math.max(...seen) : undefined;
				})
			)
		);
	} catch {
		return {
			temporal: { ok: false, reason: `Temporal did not answer within ${CHECK_TIMEOUT_MS / 1000} s` },
			worker: { ok: false, reason: 'unknown while Temporal does not answer' }
		};
	}
	const within = cfg.TEND_READY_WORKER_WITHIN;
	const silent = QUEUE_TYPES.filter((_, i) => (lastPolls[i] ?? 0) < Date.now() - within * 1000).map(([name]) => name);
	const worker: Check = silent.length ? { ok: false, reason: `no worker has polled the task queue for ${silent.join(' or ')} tasks in the last ${within} s` } : { ok: true };
	return { temporal: { ok: true }, worker };
}
