import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import { chmodSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { assertPortsFree, portsFor, type StackPorts } from '../../dev/ports.ts';
import { eventually } from '../helpers/api.ts';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

/** A launcher started as `npm start` starts it, in a process group of its own as a terminal would. */
export interface LauncherProcess {
	child: ChildProcess;
	home: string;
	port: number;
	ports: StackPorts;
	adminPassword: string;
	/** Everything it printed so far, stdout and stderr interleaved. */
	output(): string;
	ended: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
	/** Waits until the output contains `text`, or fails showing what was printed. */
	printed(text: string, timeoutMs?: number): Promise<void>;
	/** The pid of its child whose command line contains `pattern` (its worker, Temporal, PostgreSQL). */
	childPid(pattern: string): number | undefined;
}

export function newHome(): string {
	const home = mkdtempSync(join(tmpdir(), 'tend-launcher-'));
	// PostgreSQL runs as the postgres user when tests run as root, and must enter it.
	chmodSync(home, 0o755);
	return home;
}

/**
 * A PORT whose derived ports are all free now. PORT + 20000 stays below the ephemeral range
 * (32768 and up), where the OS hands out ports to outgoing connections at any moment.
 */
export async function instancePort(): Promise<number> {
	for (;;) {
		const port = randomInt(6000, 12_700);
		if (await assertPortsFree(portsFor(port, {})).then(() => true, () => false)) return port;
	}
}

export function startLauncher(home: string, port: number): LauncherProcess {
	const adminPassword = randomBytes(12).toString('base64url');
	const env: NodeJS.ProcessEnv = { ...process.env, TEND_HOME: home, PORT: String(port), TEND_ADMIN_PASSWORD: adminPassword };
	// Ports come from PORT alone, as for a person running a second instance.
	for (const name of ['TEND_PG_PORT', 'TEMPORAL_PORT', 'TEMPORAL_UI_PORT', 'TEMPORAL_HTTP_PORT', 'SMTP_PORT']) delete env[name];
	const child = spawn(process.execPath, ['--import', 'tsx', join(repoRoot, 'test', 'launcher', 'small-instance.ts')], { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
	let output = '';
	child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
	child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
	const ended = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
	let exited = false;
	void ended.then(() => (exited = true));
	return {
		child,
		home,
		port,
		ports: portsFor(port, {}),
		adminPassword,
		output: () => output,
		ended,
		async printed(text, timeoutMs = 240_000) {
			await eventually(`the launcher to print "${text}"`, async () => {
				if (output.includes(text)) return true;
				if (exited) throw new Error(`the launcher exited before printing "${text}":\n${output}`);
				return undefined;
			}, timeoutMs).catch((error: Error) => {
				throw new Error(`${error.message}\n--- launcher output ---\n${output}`);
			});
		},
		childPid(pattern) {
			try {
				const pids = execFileSync('pgrep', ['-P', String(child.pid), '-f', pattern], { encoding: 'utf8' }).trim().split('\n');
				return Number(pids[0]);
			} catch {
				return undefined;
			}
		}
	};
}

export function isAlive(pid: number): boolean {
	try {
		process.kill(pid, 0);
		return true;
	} catch {
		return false;
	}
}
