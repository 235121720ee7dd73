import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Piscina } from 'piscina';
import type { DryRunAnswer, DryRunRequest } from '$runbooks/dry-run-request.ts';
import type { ParseResult, RunbookContext, TargetContext } from '$runbooks/parse.ts';
import type { ParseTask } from '$runbooks/parse-task.ts';
import type { RunbookDocument } from '$runbooks/schema.ts';
import type { TargetDocument } from '$runbooks/target-schema.ts';
import type { TrainingModuleDocument } from '$runbooks/training-schema.ts';
import type { WindowDocument } from '$runbooks/window-schema.ts';
import type { DrillDocument } from '$runbooks/drill-schema.ts';

/**
 * Parsing a document any signed-in role may send (a runbook to publish or dry run, a target, a
 * window) runs on worker threads, so a large one never holds up the event loop that answers
 * everyone else (/healthz included). Piscina keeps the threads and the queue; a full queue is
 * answered 503 rather than left to grow.
 */
const THREAD_FILE = join('web', 'src', 'lib', 'server', 'parse-thread.mjs');
const MAX_QUEUE = 32;

export class ParsePoolBusyError extends Error {
	override name = 'ParsePoolBusy';
}

/** The repository the app runs from: found from this module, whether it is the source (vite dev) or a chunk under build/. */
function repoRoot(): string {
	for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
		if (existsSync(join(dir, THREAD_FILE))) return dir;
		if (dirname(dir) === dir) throw new Error(`cannot find ${THREAD_FILE} above ${fileURLToPath(import.meta.url)}`);
	}
}

let pool: Piscina | undefined;

function parsePool(): Piscina {
	pool ??= new Piscina({
		filename: pathToFileURL(join(repoRoot(), THREAD_FILE)).href,
		// One core stays for the event loop; a thread starts in about a second (tsx compiles the parser), so one is kept warm.
		minThreads: 1,
		maxThreads: Math.max(1, Math.min(4, availableParallelism() - 1)),
		maxQueue: MAX_QUEUE,
		idleTimeout: 60_000,
		// A document at the size bound needs far less; this stops a pathological one before the process runs short.
		resourceLimits: { maxOldGenerationSizeMb: 512 }
	});
	return pool;
}

async function run<T>(task: ParseTask): Promise<T> {
	try {
		return (await parsePool().run(task)) as T;
	} catch (error) {
		if (error instanceof Error && /queue is at limit/i.test(error.message)) throw new ParsePoolBusyError('too many documents are being checked at once; try again shortly');
		throw error;
	}
}

export const parseRunbookOffThread = (source: string, context?: RunbookContext) => run<ParseResult<RunbookDocument>>({ kind: 'runbook', source, context });
export const parseTargetOffThread = (source: string, context?: TargetContext) => run<ParseResult<TargetDocument>>({ kind: 'target', source, context });
export const parseWindowOffThread = (source: string) => run<ParseResult<WindowDocument>>({ kind: 'window', source });
export const parseDrillOffThread = (source: string) => run<ParseResult<DrillDocument>>({ kind: 'drill', source });
export const parseTrainingModuleOffThread = (source: string) => run<ParseResult<TrainingModuleDocument>>({ kind: 'training-module', source });
export const dryRunOffThread = (request: DryRunRequest) => run<DryRunAnswer>({ kind: 'dry-run', request });

/** Ends the threads when the server shuts down, so they do not hold the process open. */
export async function closeParsePool(): Promise<void> {
	const open = pool;
	pool = undefined;
	await open?.destroy();
}
