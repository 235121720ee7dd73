import { Context } from '@temporalio/activity';
import type pg from 'pg';

/**
 * The batch loop shared by data.purge, data.archive and logs.cleanup. A batch is the next
 * `batchSize` rows older than the cutoff in primary-key order after the last key done, handled
 * in its own short transaction; progress is the key reached, so the loop needs no OFFSET and a
 * retry picks up where the last heartbeat left it.
 */
export interface BatchProgress {
	/** The last key handled, as text (the key column's own type reads it back); null before the first batch. */
	after: string | null;
	batches: number;
	rows: number;
	archived: number;
	/** True once a batch found fewer rows than it asked for: nothing older than the cutoff is left past `after`. */
	complete: boolean;
}

export interface BatchResult {
	/** Rows the batch picked (older than the cutoff, after `after`), up to batchSize. */
	selected: number;
	/** The largest key picked, null when none was. */
	last: string | null;
	/** Rows deleted (purge) — fewer than selected when another session deleted some first. */
	rows: number;
	archived: number;
}

export interface BatchLimits {
	batchSize: number;
	maxBatches: number;
}

export const START: BatchProgress = { after: null, batches: 0, rows: 0, archived: 0, complete: false };

export function advance(progress: BatchProgress, result: BatchResult, limits: BatchLimits): BatchProgress {
	return {
		after: result.last ?? progress.after,
		batches: progress.batches + (result.selected > 0 ? 1 : 0),
		rows: progress.rows + result.rows,
		archived: progress.archived + result.archived,
		complete: result.selected < limits.batchSize
	};
}

export const shouldContinue = (progress: BatchProgress, limits: BatchLimits) => !progress.complete && progress.batches < limits.maxBatches;

/** What a step heartbeats: its progress and the cutoff that progress belongs to. */
export interface BatchHeartbeat extends BatchProgress {
	cutoff: string;
}

/**
 * Where a retried attempt starts: from its last heartbeat when that was for the same cutoff,
 * otherwise from the beginning (a first attempt, or details from something else). Starting over
 * is always safe — the rows already handled are gone or archived by key — only slower, and its
 * counts then cover this attempt alone.
 */
export function resumeFrom(details: unknown, cutoff: string): BatchProgress {
	if (!details || typeof details !== 'object') return START;
	const d = details as Partial<BatchHeartbeat>;
	const counts = [d.batches, d.rows, d.archived].every((n) => Number.isSafeInteger(n) && (n as number) >= 0);
	if (d.cutoff !== cutoff || !counts || !(d.after === null || typeof d.after === 'string')) return START;
	return { after: d.after, batches: d.batches!, rows: d.rows!, archived: d.archived!, complete: d.complete === true };
}

// A batch waits at most this long for a row or table lock before giving way; the other session
// (an application's UPDATE, a migration) is never the one kept waiting long.
const LOCK_TIMEOUT = '2s';
const STATEMENT_TIMEOUT = '5min';
const LOCK_RETRIES = 5;
const HEARTBEAT_MS = 2000;

const isLockTimeout = (error: unknown) => (error as { code?: string }).code === '55P03';

/** Runs `work` in one transaction that waits for locks only briefly; a lock timeout is retried after a pause. */
export async function inShortTransaction<T>(client: pg.Client, work: () => Promise<T>): Promise<T> {
	for (let attempt = 1; ; attempt++) {
		await client.query(`begin; set local lock_timeout = '${LOCK_TIMEOUT}'; set local statement_timeout = '${STATEMENT_TIMEOUT}'`);
		try {
			const result = await work();
			await client.query('commit');
			return result;
		} catch (error) {
			await client.query('rollback').catch(() => {});
			if (!isLockTimeout(error) || attempt >= LOCK_RETRIES) throw error;
			// Cancellable: a cancelled run does not sit out the pause.
			await Context.current().sleep(500 * attempt);
		}
	}
}

/**
 * Runs batches until none is left or maxBatches is reached, heartbeating the progress (rows so far,
 * the current key) and stopping between batches when the activity is cancelled. A batch already
 * sent finishes or rolls back as a whole.
 */
export async function runBatches(cutoff: Date, limits: BatchLimits, batch: (after: string | null) => Promise<BatchResult>, resume = true): Promise<BatchProgress> {
	const activity = Context.current();
	const cutoffText = cutoff.toISOString();
	let progress = resume ? resumeFrom(activity.info.heartbeatDetails, cutoffText) : START;
	const beat = () => activity.heartbeat({ ...progress, cutoff: cutoffText } satisfies BatchHeartbeat);
	const timer = setInterval(beat, HEARTBEAT_MS);
	try {
		while (shouldContinue(progress, limits)) {
			activity.cancellationSignal.throwIfAborted();
			progress = advance(progress, await batch(progress.after), limits);
			beat();
		}
		return progress;
	} finally {
		clearInterval(timer);
	}
}
