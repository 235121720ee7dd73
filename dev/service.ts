import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { createInterface } from 'node:readline';

export interface ExitStatus {
	code: number | null;
	signal: NodeJS.Signals | null;
}

export interface ServiceOptions {
	env?: NodeJS.ProcessEnv;
	logFile: string;
	cwd?: string;
	/** Run as this user (PostgreSQL refuses to run as root). */
	uid?: number;
	gid?: number;
	/** The polite stop request; PostgreSQL's fast shutdown is SIGINT. */
	stopSignal?: NodeJS.Signals;
	/** Sent when the grace period is over. */
	killSignal?: NodeJS.Signals;
	/** Sent if the launcher itself exits without stopping the service. */
	orphanSignal?: NodeJS.Signals;
}

export interface Service {
	name: string;
	child: ChildProcess;
	logFile: string;
	/** Resolves once the process has ended. */
	exited: Promise<ExitStatus>;
	/** The newest lines the process wrote (stdout and stderr), oldest first. */
	lastLines(count?: number): string[];
	/** Resolves when the process writes a line containing `text`. */
	waitForLine(text: string): Promise<void>;
	stop(graceMs?: number): Promise<void>;
}

const KEPT_LINES = 40;

/** Children still running; if the launcher exits without stopping them (a crash), they go with it. */
const running = new Map<ChildProcess, NodeJS.Signals>();
process.on('exit', () => {
	for (const [child, signal] of running) child.kill(signal);
});

/**
 * Runs a long-lived child process with its output appended to `logFile`, so the console stays
 * readable and a failure can be diagnosed afterwards; the newest lines are also kept in memory
 * for the message that reports the failure. Stop sends the stop signal, then the kill signal after
 * the grace period.
 */
export function startService(name: string, command: string, args: string[], options: ServiceOptions): Service {
	mkdirSync(dirname(options.logFile), { recursive: true });
	const log = createWriteStream(options.logFile, { flags: 'a' });
	log.write(`--- ${new Date().toISOString()} ${name} starting\n`);
	// A new process group of its own: Ctrl-C reaches the launcher only, which then stops children in order.
	const child = spawn(command, args, {
		env: options.env ?? process.env,
		cwd: options.cwd,
		stdio: ['ignore', 'pipe', 'pipe'],
		detached: true,
		...(options.uid === undefined ? {} : { uid: options.uid, gid: options.gid })
	});
	running.set(child, options.orphanSignal ?? 'SIGKILL');

	const kept: string[] = [];
	const waiters = new Set<{ text: string; resolve: () => void }>();
	const streamsEnded: Array<Promise<void>> = [];
	for (const stream of [child.stdout, child.stderr]) {
		if (!stream) continue;
		stream.pipe(log, { end: false });
		const lines = createInterface({ input: stream, crlfDelay: Infinity });
		lines.on('line', (line) => {
			kept.push(line);
			if (kept.length > KEPT_LINES) kept.shift();
			for (const waiter of waiters) {
				if (!line.includes(waiter.text)) continue;
				waiters.delete(waiter);
				waiter.resolve();
			}
		});
		streamsEnded.push(new Promise((resolve) => lines.once('close', () => resolve())));
	}

	const exited = new Promise<ExitStatus>((resolve) => {
		child.once('exit', (code, signal) => {
			running.delete(child);
			waiters.clear();
			// The last words of a crash are often still in the pipe; a grandchild holding it open must not delay the report for long.
			const drained = Promise.all(streamsEnded);
			void Promise.race([drained, new Promise((r) => setTimeout(r, 500).unref())]).then(() => resolve({ code, signal }));
		});
		child.once('error', (error) => {
			running.delete(child);
			kept.push(`${basename(command)} could not be started: ${error.message}`);
			resolve({ code: null, signal: null });
		});
	});
	void exited.then(() => log.end());

	return {
		name,
		child,
		logFile: options.logFile,
		exited,
		lastLines: (count = 15) => kept.slice(-count),
		waitForLine: (text) => new Promise((resolve) => waiters.add({ text, resolve })),
		async stop(graceMs = 10_000) {
			if (child.exitCode !== null || child.signalCode !== null || !running.has(child)) {
				await exited;
				return;
			}
			child.kill(options.stopSignal ?? 'SIGTERM');
			const timer = setTimeout(() => child.kill(options.killSignal ?? 'SIGKILL'), graceMs);
			await exited;
			clearTimeout(timer);
		}
	};
}

/** "exit code 1", "signal SIGKILL": how a process ended, as a person reads it. */
export function describeExit(status: ExitStatus): string {
	if (status.signal) return `signal ${status.signal}`;
	if (status.code === null) return 'it could not be started';
	return `exit code ${status.code}`;
}

/** A failure report: what ended and how, then the service's newest log lines. */
export function exitReport(service: Service, status: ExitStatus, what: string): string {
	const lines = service.lastLines();
	const tail = lines.length ? `; the last lines of ${service.logFile}:\n${lines.map((line) => `    ${line}`).join('\n')}` : ` (${service.logFile} is empty)`;
	return `${service.name} ${what} (${describeExit(status)})${tail}`;
}

export class ServiceStartError extends Error {
	override name = 'ServiceStartError';
	/** How the process ended, when it did; undefined when it is still running but was not ready in time. */
	constructor(
		message: string,
		readonly status?: ExitStatus
	) {
		super(message);
	}
}

/**
 * Waits for `ready` unless the service exits first (the error then carries its last log lines)
 * or the deadline passes.
 */
export async function waitUntilReady(service: Service, ready: ReadyCheck, timeoutMs: number): Promise<void> {
	let timer: NodeJS.Timeout | undefined;
	const done = new AbortController();
	const outcome = await Promise.race([
		ready(service, done.signal).then(() => 'ready' as const),
		service.exited.then((status) => status),
		new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs)))
	]).finally(() => {
		clearTimeout(timer);
		done.abort();
	});
	if (outcome === 'ready') return;
	if (outcome === 'timeout') throw new ServiceStartError(`${service.name} was not ready after ${Math.round(timeoutMs / 1000)} s; see ${service.logFile}`);
	throw new ServiceStartError(exitReport(service, outcome, 'exited during start-up'), outcome);
}

/** Resolves once the service can be used; `signal` aborts when waitUntilReady has stopped waiting. */
export type ReadyCheck = (service: Service, signal: AbortSignal) => Promise<void>;

/** Ready once `probe` resolves true, asked every `intervalMs`. */
export function polled(probe: () => Promise<boolean>, intervalMs = 250): ReadyCheck {
	return async (_service, signal) => {
		while (!signal.aborted) {
			if (await probe().catch(() => false)) return;
			await new Promise((r) => setTimeout(r, intervalMs));
		}
	};
}

/** Ready once the service writes a line containing `text`. */
export const printed = (text: string): ReadyCheck => (service) => service.waitForLine(text);
