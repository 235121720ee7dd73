import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

export interface TestWorker {
	child: ChildProcess;
	/** SIGKILL: the worker gets no chance to finish or report anything, as in a crash. */
	kill(): Promise<void>;
	stop(): Promise<void>;
	/** Everything it wrote to stdout and stderr so far: its log, for tests that check what it logs. */
	output(): string;
}

function stackEnv(): Record<string, string> {
	const raw = process.env.TEST_STACK_ENV;
	if (!raw) throw new Error('TEST_STACK_ENV is not set: run this suite through `npm test`');
	return JSON.parse(raw) as Record<string, string>;
}

/** Starts a real worker process against the test stack and waits until it polls its task queue; `env` adds to or overrides the stack's. */
export async function startWorker(env: Record<string, string> = {}): Promise<TestWorker> {
	const child = spawn(process.execPath, ['--import', 'tsx', join(repoRoot, 'worker', 'main.ts')], {
		cwd: repoRoot,
		env: { ...process.env, ...stackEnv(), ...env },
		stdio: ['ignore', 'pipe', 'pipe']
	});
	const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
	let output = '';
	await new Promise<void>((resolve, reject) => {
		child.stdout?.on('data', (chunk: Buffer) => {
			output += chunk.toString();
			if (output.includes('worker ready')) resolve();
		});
		child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
		child.once('exit', (code) => reject(new Error(`worker exited (${code}) before it was ready:\n${output}`)));
	});
	const signal = async (name: NodeJS.Signals) => {
		if (child.exitCode === null && child.signalCode === null) child.kill(name);
		await exited;
	};
	return { child, kill: () => signal('SIGKILL'), stop: () => signal('SIGTERM'), output: () => output };
}
