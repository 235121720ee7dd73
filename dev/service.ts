import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

export interface Service {
	name: string;
	child: ChildProcess;
	/** Resolves with the exit code once the process has ended. */
	exited: Promise<number | null>;
	stop(graceMs?: number): Promise<void>;
}

/** Children still running; if the launcher exits without stopping them (a crash), they go with it. */
const running = new Set<ChildProcess>();
process.on('exit', () => {
	for (const child of running) child.kill('SIGKILL');
});

/**
 * Runs a long-lived child process with its output appended to `logFile`, so the console stays
 * readable and a failure can be diagnosed afterwards. Stop sends SIGTERM, then SIGKILL after the grace period.
 */
export function startService(name: string, command: string, args: string[], options: { env?: NodeJS.ProcessEnv; logFile: string; cwd?: string }): Service {
	mkdirSync(dirname(options.logFile), { recursive: true });
	const log = createWriteStream(options.logFile, { flags: 'a' });
	// A new process group of its own: Ctrl-C reaches the launcher only, which then stops children in order.
	const child = spawn(command, args, { env: options.env ?? process.env, cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
	child.stdout?.pipe(log, { end: false });
	child.stderr?.pipe(log, { end: false });
	running.add(child);
	const exited = new Promise<number | null>((resolve) => {
		child.once('exit', (code) => {
			running.delete(child);
			resolve(code);
		});
		child.once('error', () => resolve(null));
	});
	return {
		name,
		child,
		exited,
		async stop(graceMs = 10_000) {
			if (child.exitCode !== null || child.signalCode !== null) return;
			child.kill('SIGTERM');
			const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
			await exited;
			clearTimeout(timer);
			log.end();
		}
	};
}

/** Polls `probe` until it resolves true, the service exits, or the deadline passes. */
export async function waitUntilReady(service: Service, probe: () => Promise<boolean>, timeoutMs: number): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	let exited = false;
	void service.exited.then(() => (exited = true));
	while (Date.now() < deadline) {
		if (exited) throw new Error(`${service.name} exited during start-up`);
		if (await probe().catch(() => false)) return;
		await new Promise((r) => setTimeout(r, 250));
	}
	throw new Error(`${service.name} was not ready after ${Math.round(timeoutMs / 1000)} s`);
}
