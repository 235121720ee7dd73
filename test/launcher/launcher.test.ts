import { randomBytes } from 'node:crypto';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunView } from '../../web/src/lib/run-types.ts';
import { eventually, login, runEnded, type ApiClient } from '../helpers/api.ts';
import { startEmbeddedPostgres } from '../../dev/postgres.ts';
import { verifyPassword } from '../../shared/passwords.ts';
import { instancePort, isAlive, newHome, startLauncher, type LauncherProcess } from './instance.ts';

const run = promisify(execFile);

/**
 * `npm start` as a person runs it: the launcher in a process group of its own (Ctrl-C in a
 * terminal signals the whole group), with its own TEND_HOME and PORT, watched from outside.
 */
const homes: string[] = [];
afterAll(() => {
	if (!process.env.TEND_KEEP_TEST_HOME) for (const home of homes) rmSync(home, { recursive: true, force: true });
});

interface Readyz {
	status: string;
	failed: string[];
	checks: Record<'database' | 'temporal' | 'worker', { ok: boolean; reason?: string }>;
}

describe('the launcher', () => {
	it('checks every port before it starts anything: a clash names the port, the service and the variable', async () => {
		const home = newHome();
		homes.push(home);
		const port = await instancePort();
		// What happened to a second instance: its neighbour's Temporal HTTP API held one of its ports.
		const neighbour = await listen(port + 4060);
		try {
			const launcher = startLauncher(home, port);
			const { code } = await launcher.ended;
			expect(code).toBe(1);
			expect(launcher.output()).toContain(`port ${port + 4060}, which the Temporal dev server (HTTP API) needs, is already in use: stop whatever holds it, or set TEMPORAL_HTTP_PORT`);
			expect(existsSync(join(home, 'pg')), 'nothing was started').toBe(false);
		} finally {
			neighbour.close();
		}
	});

	describe('a running instance', () => {
		let launcher: LauncherProcess;
		let admin: ApiClient;
		const suffix = randomBytes(3).toString('hex');
		let runs = 0;

		const readyz = async () => {
			const response = await fetch(`http://localhost:${launcher.port}/readyz`);
			return { status: response.status, body: (await response.json()) as Readyz };
		};
		const readyzAnswers = (status: number) => eventually(`/readyz to answer ${status}`, async () => {
			const answer = await readyz().catch(() => undefined);
			return answer?.status === status ? answer : undefined;
		}, 120_000);
		/** A run that reads the demo CRM and mails the sink: it needs the worker, Temporal and PostgreSQL. */
		const runCompletes = async () => {
			const name = `launcher-${suffix}-${++runs}`;
			const steps = [
				{ id: 'count', uses: 'sql.check', with: { database: 'main', query: 'select count(*) > 0 as ok from customers' } },
				{ id: 'tell', uses: 'notify', with: { to: ['ops@example.com'], subject: `run ${runs} done`, body: 'The launcher test ran.' } }
			];
			const published = await admin.json('POST', '/api/v1/runbooks', { apiVersion: 'tend/v1', kind: 'Runbook', metadata: { name, title: name }, spec: { target: 'crm-demo', steps } });
			expect(published.status, JSON.stringify(published.body)).toBe(201);
			const started = await admin.json<{ id: string }>('POST', `/api/v1/runbooks/${name}/runs`, { inputs: {} });
			expect(started.status, JSON.stringify(started.body)).toBe(201);
			const run = await runEnded<RunView>(admin, started.body.id);
			expect(run.status, run.error ?? '').toBe('succeeded');
		};
		/** Kills a child of the launcher and waits until the launcher reports it back under a new pid. */
		const crashAndRecover = async (service: string, pattern: string) => {
			const pid = launcher.childPid(pattern);
			expect(pid, `${service} is running`).toBeDefined();
			process.kill(pid!, 'SIGKILL');
			await launcher.printed(`${service} exited (signal SIGKILL); the last lines of ${join(launcher.home, 'logs', `${service}.log`)}:`);
			await launcher.printed(`${service} is back (pid `);
			const again = launcher.childPid(pattern);
			expect(again).toBeDefined();
			expect(again).not.toBe(pid);
		};

		beforeAll(async () => {
			const home = newHome();
			homes.push(home);
			launcher = startLauncher(home, await instancePort());
			await launcher.printed('Press Ctrl-C to stop.');
			Object.assign(process.env, { TEST_WEB_URL: `http://localhost:${launcher.port}` });
			admin = await login('admin', launcher.adminPassword);
		});
		afterAll(async () => {
			if (launcher?.child.exitCode === null) {
				process.kill(-launcher.child.pid!, 'SIGKILL');
				await launcher.ended;
			}
		});

		it('prints every address with one host', () => {
			const output = launcher.output();
			expect(output).toContain(`Tend is running at http://localhost:${launcher.port} `);
			expect(output).toContain(`Temporal UI: http://localhost:${launcher.ports.temporalUi}\n`);
		});

		it('is ready once database, Temporal and a polling worker answer, and runs complete', async () => {
			expect((await readyzAnswers(200)).body).toEqual({ status: 'ready', failed: [], checks: { database: { ok: true }, temporal: { ok: true }, worker: { ok: true } } });
			await runCompletes();
		});

		it('restarts a worker killed with SIGKILL, and runs complete again', async () => {
			await crashAndRecover('worker', 'worker/main.ts');
			await runCompletes();
		});

		it('answers 503 naming the worker while no worker polls, and 200 again once one does', async () => {
			// A stopped (hung) worker has not exited, so the supervisor leaves it alone: only /readyz can tell.
			const worker = launcher.childPid('worker/main.ts')!;
			process.kill(worker, 'SIGSTOP');
			try {
				const { body } = await readyzAnswers(503);
				expect(body).toMatchObject({ status: 'not ready', failed: ['worker'], checks: { database: { ok: true }, temporal: { ok: true }, worker: { ok: false } } });
				expect(body.checks.worker.reason).toMatch(/^no worker has polled the task queue for .+ tasks in the last \d+ s$/);
			} finally {
				process.kill(worker, 'SIGCONT');
			}
			await readyzAnswers(200);
		});

		it('restarts the Temporal dev server and PostgreSQL; worker and web reconnect on their own', async () => {
			const web = launcher.childPid('build/index.js');
			const worker = launcher.childPid('worker/main.ts');
			await crashAndRecover('temporal', 'temporal server start-dev');
			await readyzAnswers(200);
			await runCompletes();
			await crashAndRecover('postgres', 'bin/postgres');
			await readyzAnswers(200);
			await runCompletes();
			expect([launcher.childPid('build/index.js'), launcher.childPid('worker/main.ts')], 'web and worker were not restarted').toEqual([web, worker]);
		});

		it('stops everything on Ctrl-C, in order, and exits 0 with no unhandled error', async () => {
			// Mail just sent leaves the sink's pool a connection, which an early PostgreSQL shutdown used to cut.
			await runCompletes();
			const children = ['build/index.js', 'worker/main.ts', 'temporal server start-dev', 'bin/postgres'].map((pattern) => launcher.childPid(pattern)!);
			process.kill(-launcher.child.pid!, 'SIGINT');
			const { code } = await launcher.ended;
			const output = launcher.output();
			const shutdown = output.slice(output.indexOf('Stopping Tend (SIGINT)'));
			expect(code, output).toBe(0);
			expect(shutdown.trim()).toBe('Stopping Tend (SIGINT)…\nStopped.');
			expect(output).not.toMatch(/administrator command|unhandled|uncaught/i);
			expect(children.filter(isAlive)).toEqual([]);
		});

		it('resets a password from the command line while Tend is stopped, starting and stopping its PostgreSQL', async () => {
			const env: NodeJS.ProcessEnv = { ...process.env, TEND_HOME: launcher.home, PORT: String(launcher.port) };
			for (const name of ['TEND_PG_PORT', 'TEMPORAL_PORT', 'TEMPORAL_UI_PORT', 'TEMPORAL_HTTP_PORT', 'SMTP_PORT']) delete env[name];
			const { stdout } = await run(process.execPath, ['--import', 'tsx', 'cli/main.ts', 'admin', 'reset-password', 'admin'], { env });
			const lines = stdout.trim().split('\n');
			expect(lines[0]).toContain('(PostgreSQL was not running: started and stopped for this)');
			const password = lines.at(-1)!;
			expect(existsSync(join(launcher.home, 'pg', 'postmaster.pid'))).toBe(false);

			const { pgPassword } = JSON.parse(readFileSync(join(launcher.home, 'state.json'), 'utf8')) as { pgPassword: string };
			const cluster = await startEmbeddedPostgres({ dataDir: join(launcher.home, 'pg'), port: launcher.ports.postgres, password: pgPassword });
			try {
				const client = new pg.Client({ connectionString: cluster.url('tend') });
				await client.connect();
				const [admin] = (await client.query('select password_hash, must_change_password from users where username = $1', ['admin'])).rows;
				await client.end();
				expect(await verifyPassword(admin.password_hash, password)).toBe(true);
				expect(admin.must_change_password).toBe(true);
			} finally {
				await cluster.stop();
			}
		});
	});
});

function listen(port: number): Promise<Server> {
	return new Promise((resolve, reject) => {
		const server = createServer();
		server.once('error', reject);
		server.listen(port, '127.0.0.1', () => resolve(server));
	});
}
