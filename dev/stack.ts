import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createDb, migrateDb } from '../db/client.ts';
import { seedCrmDemo, type CrmSeedOptions } from '../db/seed/crm-demo.ts';
import { DEFAULT_TASK_QUEUE } from '../shared/config.ts';
import { keyRing, splitKeyList } from '../shared/key-ring.ts';
import { ensureAdmin, ensureDemoTarget, ensureEmbeddedSettings, ensureRoles, installBuiltInDrills, installBuiltInRunbooks, installBuiltInTrainingModules, installBuiltInWindows, type FirstAdmin } from './bootstrap.ts';
import { installBuiltInSchedules } from './builtin-schedules.ts';
import { provisionAppDatabase, provisionCrmDemo, type CrmDemoPurpose } from './database-roles.ts';
import { embeddedPostgres, type EmbeddedPostgresCluster } from './postgres.ts';
import type { StackPorts } from './ports.ts';
export type { StackPorts };
import { polled, printed, startService } from './service.ts';
import { startSmtpSink, type SmtpSink } from './smtp-sink.ts';
import { supervise, type ServiceSpec, type Supervised } from './supervisor.ts';
import { READY_WORKER_WITHIN_S, temporalDevServer } from './temporal-server.ts';
import { ensureTemporalCli } from './tools.ts';
import { ensureWebBuild } from './web-build.ts';

export const repoRoot = fileURLToPath(new URL('..', import.meta.url));

/**
 * The one host every printed address uses. The web app's Origin check compares against the origin
 * it was given, so the address people are told must be that one.
 */
export const STACK_HOST = 'localhost';

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
	/** Aborting stops the start between phases, and what was started so far is stopped again. */
	signal?: AbortSignal;
}

export type ServiceName = 'postgres' | 'temporal' | 'worker' | 'web';

export interface Stack {
	webUrl: string;
	temporalUiUrl: string;
	admin: FirstAdmin;
	/** The environment web and worker run with: everything they need to reach the stack. */
	env: Record<string, string>;
	postgres: EmbeddedPostgresCluster;
	/** The demo CRM's logins: its owner, its backup login and its read login (dev/database-roles.ts). */
	crmDemo: Record<CrmDemoPurpose, string>;
	/** The supervised processes; a crashed one is restarted. */
	services: Partial<Record<ServiceName, Supervised>>;
	timings: Record<string, number>;
	/** Stops web, worker, Temporal, the SMTP sink and PostgreSQL, in that order. */
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

function nodeService(name: 'worker' | 'web', args: string[], env: Record<string, string>, home: string, ready: ServiceSpec['ready'], readyTimeoutMs: number): ServiceSpec {
	return {
		name,
		spawn: () => startService(name, process.execPath, args, { env: { ...process.env, ...env }, logFile: join(home, 'logs', `${name}.log`), cwd: repoRoot }),
		ready,
		readyTimeoutMs,
		// The worker waits up to its shutdownGraceTime (10 s) for running activities.
		stopGraceMs: 15_000
	};
}

export async function startStack(options: StackOptions): Promise<Stack> {
	const home = resolve(options.home);
	const { ports, log, signal } = options;
	const timings: Record<string, number> = {};
	const services: Stack['services'] = {};
	let smtp: SmtpSink | undefined;
	const timed = async <T>(label: string, work: () => Promise<T> | T): Promise<T> => {
		signal?.throwIfAborted();
		const started = performance.now();
		try {
			return await work();
		} finally {
			timings[label] = Math.round(performance.now() - started);
		}
	};
	// Everything that talks to PostgreSQL or Temporal ends before they do, so no session is cut off mid-way.
	const stop = async () => {
		const steps: Array<[string, (() => Promise<void>) | undefined]> = [
			['web', services.web?.stop.bind(services.web)],
			['worker', services.worker?.stop.bind(services.worker)],
			['temporal', services.temporal?.stop.bind(services.temporal)],
			['the SMTP sink', smtp?.stop.bind(smtp)],
			['postgres', services.postgres?.stop.bind(services.postgres)]
		];
		for (const [name, stopOne] of steps) await stopOne?.().catch((error: Error) => log(`while stopping ${name}: ${error.message}`));
	};

	try {
		mkdirSync(join(home, 'logs'), { recursive: true });
		const state = loadLocalState(home);
		// TEND_SECRET_KEYS (a rotation: the new key first) replaces the generated key; else the ring is that key alone.
		const secretKeys = process.env.TEND_SECRET_KEYS ? splitKeyList(process.env.TEND_SECRET_KEYS) : [state.secretKey];
		const temporalCli = await timed('temporalCli', () => ensureTemporalCli(log));
		await timed('webBuild', () => ensureWebBuild(repoRoot, log));

		const postgres = await timed('postgres', async () => {
			const cluster = await embeddedPostgres({ dataDir: join(home, 'pg'), port: ports.postgres, password: state.pgPassword, logFile: join(home, 'logs', 'postgres.log') });
			services.postgres = await supervise(cluster.service, log);
			return cluster;
		});
		await postgres.ensureDatabase('tend');
		await postgres.ensureDatabase('crm_demo');
		// The superuser only provisions: web and worker use Tend's database as its owner, the demo target least-privilege logins.
		const logins = await timed('logins', async () => {
			const provision = { superuserUrl: postgres.url('postgres'), superuser: postgres.user, rootPassword: state.pgPassword };
			return { app: await provisionAppDatabase(provision, 'tend'), crmDemo: await provisionCrmDemo(provision, 'crm_demo') };
		});
		const databaseUrl = logins.app;
		const webUrl = `http://${STACK_HOST}:${ports.web}`;

		const db = createDb(databaseUrl, { max: 2 });
		let admin: Stack['admin'];
		try {
			await timed('migrate', () => migrateDb(db));
			await ensureRoles(db);
			admin = await ensureAdmin(db, home, options.adminPassword);
			await ensureEmbeddedSettings(db);
			await ensureDemoTarget(db, keyRing(secretKeys), logins.crmDemo, webUrl);
			const windows = await installBuiltInWindows(db);
			if (windows.length) log(`Installed windows: ${windows.join(', ')}`);
			const modules = await installBuiltInTrainingModules(db);
			if (modules.length) log(`Installed training modules: ${modules.join(', ')}`);
			const installed = await installBuiltInRunbooks(db);
			if (installed.length) log(`Installed runbooks: ${installed.join(', ')}`);
			const drills = await installBuiltInDrills(db);
			if (drills.length) log(`Installed drills: ${drills.join(', ')}`);
		} finally {
			await db.$client.end();
		}
		const seed = await timed('seed', () => seedCrmDemo(logins.crmDemo.owner, { ...options.crmSeed, onProgress: log }));
		if (seed.seeded) log(`Seeded the demo CRM (crm_demo) in ${(seed.ms / 1000).toFixed(1)} s`);

		const temporal = temporalDevServer({ cli: temporalCli, home, host: STACK_HOST, port: ports.temporal, uiPort: ports.temporalUi, httpPort: ports.temporalHttp });
		services.temporal = await timed('temporal', () => supervise(temporal.service, log));
		if (options.builtInSchedules !== false) {
			const scheduleDb = createDb(databaseUrl, { max: 2 });
			try {
				const created = await installBuiltInSchedules(scheduleDb, { address: temporal.address, namespace: 'default', taskQueue: process.env.TEND_TASK_QUEUE ?? DEFAULT_TASK_QUEUE, secretKeys });
				if (created.length) log(`Installed schedules: ${created.join(', ')}`);
			} finally {
				await scheduleDb.$client.end();
			}
		}

		smtp = await timed('smtp', () => startSmtpSink({ port: ports.smtp, databaseUrl, log }));

		const env: Record<string, string> = {
			TEND_HOME: home,
			PORT: String(ports.web),
			DATABASE_URL: databaseUrl,
			TEMPORAL_ADDRESS: temporal.address,
			TEMPORAL_NAMESPACE: 'default',
			// Tend's own services, which HTTP steps may not reach unless a target names them (shared/address-policy.ts).
			TEMPORAL_HTTP_PORT: String(ports.temporalHttp),
			TEMPORAL_UI_PORT: String(ports.temporalUi),
			SMTP_URL: smtp.url,
			...(process.env.TEND_SECRET_KEYS ? { TEND_SECRET_KEYS: secretKeys.join(',') } : { TEND_SECRET_KEY: state.secretKey }),
			TEND_PUBLIC_URL: webUrl,
			// The dev server answers idle polls sooner than Temporal's default, so /readyz can expect a poll sooner.
			TEND_READY_WORKER_WITHIN: process.env.TEND_READY_WORKER_WITHIN ?? String(READY_WORKER_WITHIN_S),
			// adapter-node assumes https unless told the origin; form actions and the API's Origin check need the real one.
			ORIGIN: webUrl,
			// adapter-node refuses bodies over 512 KiB with a bare 400; the routes check sizes themselves (a runbook may be 1 MB) and answer 413 as problem+json.
			BODY_SIZE_LIMIT: process.env.BODY_SIZE_LIMIT ?? '2M',
			// Idle connections outlive clients' own keep-alive (undici: 4 s), so a client never reuses one the server is just closing (ECONNRESET).
			KEEP_ALIVE_TIMEOUT: process.env.KEEP_ALIVE_TIMEOUT ?? '65',
			// Open live views (server-sent events) would otherwise hold a stopping web server for adapter-node's 30 s.
			SHUTDOWN_TIMEOUT: process.env.SHUTDOWN_TIMEOUT ?? '5'
		};
		if (options.worker) {
			const worker = nodeService('worker', ['--import', 'tsx', join(repoRoot, 'worker', 'main.ts')], env, home, printed('worker ready'), 180_000);
			services.worker = await timed('worker', () => supervise(worker, log));
		}
		const web = nodeService('web', [join(repoRoot, 'build', 'index.js')], env, home, polled(async () => (await fetch(`${webUrl}/healthz`)).ok), 60_000);
		services.web = await timed('web', () => supervise(web, log));

		return { webUrl, temporalUiUrl: temporal.uiUrl, admin, env, postgres, crmDemo: logins.crmDemo, services, timings, stop };
	} catch (error) {
		await stop();
		throw error;
	}
}
