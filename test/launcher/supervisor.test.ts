import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { printed, startService } from '../../dev/service.ts';
import { startReady, supervise, type ServiceSpec } from '../../dev/supervisor.ts';
import { eventually } from '../helpers/api.ts';
import { isAlive } from './instance.ts';

/** The supervisor on small real processes: a Node script that prints, then idles or fails. */
const logs = mkdtempSync(join(tmpdir(), 'tend-supervisor-'));
afterAll(() => rmSync(logs, { recursive: true, force: true }));

function script(name: string, code: string): ServiceSpec {
	return {
		name,
		spawn: () => startService(name, process.execPath, ['-e', code], { logFile: join(logs, `${name}.log`) }),
		ready: printed('ready'),
		readyTimeoutMs: 30_000
	};
}

describe('the supervisor', () => {
	it('reports a service that dies during start-up with its exit code and the last lines of its log', async () => {
		const spec = script('doomed', "console.log('reading settings'); console.error('port 7243 is taken'); process.exit(3)");
		await expect(startReady(spec)).rejects.toThrow(
			`doomed exited during start-up (exit code 3); the last lines of ${join(logs, 'doomed.log')}:\n    reading settings\n    port 7243 is taken`
		);
		expect(readFileSync(join(logs, 'doomed.log'), 'utf8')).toContain('port 7243 is taken');
	});

	it('restarts a killed service, saying why, and leaves one that is stopped on purpose stopped', async () => {
		const lines: string[] = [];
		const supervised = await supervise(script('steady', "console.log('ready'); setInterval(() => {}, 1000)"), (line) => lines.push(line));
		const first = supervised.current.child.pid!;
		process.kill(first, 'SIGKILL');
		await eventually('a restart', async () => (supervised.restarts === 1 ? true : undefined), 30_000);
		expect(lines[0]).toBe(`steady exited (signal SIGKILL); the last lines of ${join(logs, 'steady.log')}:\n    ready\nrestarting steady in 1 s`);
		expect(lines[1]).toMatch(/^steady is back \(pid \d+, \d+\.\d s after it went down\)$/);
		const second = supervised.current.child.pid!;
		expect(isAlive(second)).toBe(true);

		await supervised.stop();
		expect(isAlive(second)).toBe(false);
		expect(supervised.current.child.pid).toBe(second);
		expect(lines).toHaveLength(2);
	});
});
