import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import pg from 'pg';
import { nonRetryable } from './failures.ts';

/**
 * pg_dump and pg_restore must be at least the server's major version. We look in TEND_PG_BIN,
 * then Debian's versioned folders (/usr/lib/postgresql/N/bin), then PATH, and take the oldest
 * one that is new enough: it is the closest match to the server.
 */
export type PgTool = 'pg_dump' | 'pg_restore' | 'psql';

const found = new Map<string, string>();

function toolMajor(path: string): number | null {
	const result = spawnSync(path, ['--version'], { encoding: 'utf8' });
	const match = /\b(\d+)(?:\.\d+)?/.exec(result.stdout ?? '');
	return result.status === 0 && match ? Number(match[1]) : null;
}

function candidates(tool: PgTool, pgBin: string | undefined): string[] {
	const folders: string[] = [];
	if (pgBin) folders.push(pgBin);
	const debian = '/usr/lib/postgresql';
	if (existsSync(debian)) {
		const versions = readdirSync(debian).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(a) - Number(b));
		folders.push(...versions.map((v) => join(debian, v, 'bin')));
	}
	folders.push(...(process.env.PATH ?? '').split(delimiter).filter(Boolean));
	return folders.map((folder) => join(folder, tool)).filter((path) => existsSync(path));
}

export function findPgTool(tool: PgTool, serverMajor: number, pgBin?: string): string {
	const cacheKey = `${tool}:${serverMajor}:${pgBin ?? ''}`;
	const cached = found.get(cacheKey);
	if (cached) return cached;
	const usable = candidates(tool, pgBin)
		.map((path) => ({ path, major: toolMajor(path) }))
		.filter((c): c is { path: string; major: number } => c.major !== null && c.major >= serverMajor)
		.sort((a, b) => a.major - b.major);
	if (!usable.length) {
		throw nonRetryable(
			'PgToolsMissing',
			`${tool} for PostgreSQL ${serverMajor} or newer was not found: install postgresql-client-${serverMajor} ` +
				`(apt-get install postgresql-client-${serverMajor}) or set TEND_PG_BIN to a folder that has it`
		);
	}
	found.set(cacheKey, usable[0].path);
	return usable[0].path;
}

/** libpq environment for a connection URL, so credentials never appear in argv or `ps`. */
export function libpqEnv(url: string, database?: string): Record<string, string> {
	const parsed = new URL(url);
	const env: Record<string, string> = {
		PGHOST: decodeURIComponent(parsed.hostname) || 'localhost',
		PGPORT: parsed.port || '5432',
		PGDATABASE: database ?? decodeURIComponent(parsed.pathname.replace(/^\//, ''))
	};
	if (parsed.username) env.PGUSER = decodeURIComponent(parsed.username);
	if (parsed.password) env.PGPASSWORD = decodeURIComponent(parsed.password);
	const sslmode = parsed.searchParams.get('sslmode');
	if (sslmode) env.PGSSLMODE = sslmode;
	return env;
}

/** The URL with its database swapped, for scratch databases on the same server. */
export function withDatabase(url: string, database: string): string {
	const parsed = new URL(url);
	parsed.pathname = `/${encodeURIComponent(database)}`;
	return parsed.toString();
}

export async function withPgClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
	const client = new pg.Client({ connectionString: url });
	// A lost connection also rejects the query in flight, which is what reports it; unheard, the
	// 'error' event would take the worker down.
	client.on('error', () => {});
	await client.connect();
	try {
		return await work(client);
	} finally {
		await client.end().catch(() => {});
	}
}

export async function serverMajorVersion(client: pg.Client): Promise<{ major: number; version: string }> {
	const { rows } = await client.query<{ server_version_num: string; server_version: string }>(
		"select current_setting('server_version_num') as server_version_num, current_setting('server_version') as server_version"
	);
	return { major: Math.floor(Number(rows[0].server_version_num) / 10000), version: rows[0].server_version };
}

export interface ToolRun {
	/** Resolves when the program exits 0; rejects with its stderr tail otherwise. */
	done: Promise<void>;
	child: ReturnType<typeof spawn>;
}

/** Runs a PostgreSQL client program with argv (never a shell) and libpq credentials in env; `stdin` to feed it (psql). */
export function runPgTool(path: string, args: string[], env: Record<string, string>, signal?: AbortSignal, options: { stdin?: boolean } = {}): ToolRun {
	const child = spawn(path, args, { env: { ...process.env, ...env }, stdio: [options.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'], signal });
	let stderr = '';
	child.stderr!.on('data', (chunk: Buffer) => {
		stderr = (stderr + chunk.toString()).slice(-4000);
	});
	const done = new Promise<void>((resolveDone, reject) => {
		child.once('error', reject);
		child.once('close', (code, signalName) => {
			if (code === 0) resolveDone();
			else reject(new Error(`${path.split('/').pop()} failed (${signalName ?? `exit ${code}`}): ${stderr.trim() || 'no output'}`));
		});
	});
	return { done, child };
}

/** Exact row counts of every ordinary table outside the system schemas. */
export async function tableRowCounts(client: pg.Client): Promise<Record<string, number>> {
	const { rows: tables } = await client.query<{ name: string }>(
		`select format('%I.%I', n.nspname, c.relname) as name
		   from pg_class c join pg_namespace n on n.oid = c.relnamespace
		  where c.relkind in ('r', 'p') and n.nspname not in ('pg_catalog', 'information_schema') and n.nspname not like 'pg_toast%'
		  order by 1`
	);
	const counts: Record<string, number> = {};
	for (const { name } of tables) {
		// The name comes from format('%I.%I'), so it is a quoted identifier, safe to place in the text.
		const { rows } = await client.query<{ n: string }>(`select count(*) as n from ${name}`);
		counts[name] = Number(rows[0].n);
	}
	return counts;
}
