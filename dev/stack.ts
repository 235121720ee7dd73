import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createDb, migrateDb } from '../db/client.ts';
import { seedCrmDemo, type CrmSeedOptions } from '../db/seed/crm-demo.ts';
import { DEFAULT_TASK_QUEUE } from '../shared/config.ts';
import { ensureAdmin, ensureDemoTarget, ensureRoles, installBuiltInRunbooks, installBuiltInWindows } from './bootstrap.ts';
import { installBuiltInSchedules } from './builtin-schedules.ts';
import { startEmbeddedPostgres, type EmbeddedPostgresHandle } from './postgres.ts';
import type { StackPorts } from './ports.ts';
export type { StackPorts };
import { startService, waitUntilReady, type Service } from './service.ts';
import { startSmtpSink, type SmtpSink } from './smtp-sink.ts';
import { startTemporalDevServer, type TemporalDevServer } from './temporal-server.ts';
import { ensureTemporalCli } from './tools.ts';
import { ensureWebBuild } from './web-build.ts';

export const repoRoot = fileURLToPath(new URL('..', import.meta.url));

export interface StackOptions {
	home: string;
	ports: StackPorts;
	adminPassword?: string;
	/** Tests start and kill workers themselves. */
	worker: boolean;
	crmSeed?: CrmSeedOptions;
	/** The built-in schedules (DESIGN §2); tests leave them out, so no nightly backup fires during a test run. */
	builtInSchedules?: boolean;
	log: (line: string) => void;
}

export interface Stack {
	webUrl: string;
	temporalUiUrl: string;
	admin: { username: string; password?: string };
	/** The environment web and worker run with: everything they need to reach the stack. */
	env: Record<string, string>;
	postgres: EmbeddedPostgresHandle;
	timings: Record<string, number>;
	startWorker(): Promise<Service>;
	stop(): Promise<void>;
}

interface LocalState {
	pgPassword: string;
	secretKey: string;
}

/** Secrets of the local install, created once and kept (mode 600) so a restart reuses the data. */
function loadLocalState(home: string): LocalState {
	const file = join(home, 'state.json');
	if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as LocalState;
	const state: LocalState = { pgPassword: randomBytes(18).toString('base64url'), secretKey: process.env.TEND_SECRET_KEY ?? randomBytes(32).toString('base64') };
	writeFileSync(file, JSON.stringify(state, null, 2), { mode: 0o600 });
	return state;
}

function spawnNode(name: string, args: string[], env: Record<string, string>, home: string, readyText?: string) {
	const service = startService(name, process.execPath, args, { env: { ...process.env, ...env }, logFile: join(home, 'logs', `${name}.log`), cwd: repoRoot });
	const ready = readyText
		? new Promise<void>((resolveReady) => service.child.stdout?.on('data', (chunk: Buffer) => chunk.toString().includes(readyText) && resolveReady()))
		: Promise.resolve();
	return { service, ready };
}

export async function startStack(options: StackOptions): Promise<Stack> {
	const home = resolve(options.home);
	const { ports, log } = options;
	const timings: Record<string, number> = {};
	const stoppers: Array<() => Promise<void>> = [];
	const timed = async <T>(label: string, work: () => Promise<T> | T): Promise<T> => {
		const started = performance.now();
		try {
			return await work();
		} finally {
			timings[label] = Math.round(performance.now() - started);
		}
	};
	const stop = async () => {
		for (const stopOne of stoppers.reverse()) await stopOne().catch((error: Error) => log(`while stopping: ${error.message}`));
		stoppers.length = 0;
	};

	try {
		mkdirSync(join(home, 'logs'), { recursive: true });
		const state = loadLocalState(home);
		const temporalCli = await timed('temporalCli', () => ensureTemporalCli(log));
		ensureWebBuild(repoRoot, log);

		const postgres = await timed('postgres', () =>
			startEmbeddedPostgres({ dataDir: join(home, 'pg'), port: ports.postgres, password: state.pgPassword, onLog: () => {} })
		);
		stoppers.push(() => postgres.stop());
		await postgres.ensureDatabase('tend');
		await postgres.ensureDatabase('crm_demo');
		const databaseUrl = postgres.url('tend');
		const webUrl = `http://localhost:${ports.web}`;

		const db = createDb(databaseUrl, { max: 2 });
		let admin: Stack['admin'];
		try {
			await timed('migrate', () => migrateDb(db));
			await ensureRoles(db);
			admin = await ensureAdmin(db, options.adminPassword);
			await ensureDemoTarget(db, Buffer.from(state.secretKey, 'base64'), postgres.url('crm_demo'), webUrl);
			const windows = await installBuiltInWindows(db);
			if (windows.length) log(`Installed windows: ${windows.join(', ')}`);
			const installed = await installBuiltInRunbooks(db);
			if (installed.length) log(`Installed runbooks: ${installed.join(', ')}`);
		} finally {
			await db.$client.end();
		}
		const seed = await timed('seed', () => seedCrmDemo(postgres.url('crm_demo'), { ...options.crmSeed, onProgress: log }));
		if (seed.seeded) log(`Seeded the demo CRM (crm_demo) in ${(seed.ms / 1000).toFixed(1)} s`);

		const temporal: TemporalDevServer = await timed('temporal', () =>
			startTemporalDevServer({ cli: temporalCli, home, port: ports.temporal, uiPort: ports.temporalUi, httpPort: ports.temporalHttp })
		);
		stoppers.push(() => temporal.service.stop());
		if (options.builtInSchedules !== false) {
			const scheduleDb = createDb(databaseUrl);
			try {
				const created = await installBuiltInSchedules(scheduleDb, { address: temporal.address, namespace: 'default', taskQueue: process.env.TEND_TASK_QUEUE ?? DEFAULT_TASK_QUEUE });
				if (created.length) log(`Installed schedules: ${created.join(', ')}`);
			} finally {
				await scheduleDb.$client.end();
			}
		}

		const smtp: SmtpSink = await startSmtpSink({ port: ports.smtp, databaseUrl, log });
		stoppers.push(() => smtp.stop());

		const env: Record<string, string> = {
			TEND_HOME: home,
			PORT: String(ports.web),
			DATABASE_URL: databaseUrl,
			TEMPORAL_ADDRESS: temporal.address,
			TEMPORAL_NAMESPACE: 'default',
			SMTP_URL: smtp.url,
			TEND_SECRET_KEY: state.secretKey,
			TEND_PUBLIC_URL: webUrl,
			// adapter-node assumes https unless told the origin; form actions and the API's Origin check need the real one.
			ORIGIN: webUrl,
			// adapter-node refuses bodies over 512 KiB with a bare 400; the routes check sizes themselves (a runbook may be 1 MB) and answer 413 as problem+json.
			BODY_SIZE_LIMIT: process.env.BODY_SIZE_LIMIT ?? '2M',
			// Idle connections outlive clients' own keep-alive (undici: 4 s), so a client never reuses one the server is just closing (ECONNRESET).
			KEEP_ALIVE_TIMEOUT: process.env.KEEP_ALIVE_TIMEOUT ?? '65'
		};
		const startWorker = async () => {
			const worker = spawnNode('worker', ['--import', 'tsx', join(repoRoot, 'worker', 'main.ts')], env, home, 'worker ready');
			await Promise.race([worker.ready, worker.service.exited.then(() => Promise.reject(new Error('the worker exited during start-up; see logs/worker.log')))]);
			return worker.service;
		};
		if (options.worker) {
			const worker = await timed('worker', startWorker);
			stoppers.push(() => worker.stop());
		}

		const web = spawnNode('web', [join(repoRoot, 'build', 'index.js')], env, home);
		stoppers.push(() => web.service.stop());
		await timed('web', () => waitUntilReady(web.service, async () => (await fetch(`${webUrl}/healthz`)).ok, 60_000));

		return { webUrl, temporalUiUrl: temporal.uiUrl, admin, env, postgres, timings, startWorker, stop };
	} catch (error) {
		await stop();
		throw error;
	}
}
