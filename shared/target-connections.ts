import pg from 'pg';
import { fetch } from 'undici';
import { addressRefusal, guardedAgent, type AddressPolicy, type OwnEndpoint } from './address-policy.ts';
import type { Db } from '../db/client.ts';
import { CONNECTION_PURPOSES, LOGIN_PRIVILEGES_SQL, loginPrivileges, type ConnectionPurpose, type LoginPrivilegesRow, type TargetDatabaseEntry } from './connection-privileges.ts';
import { resolveSecretRef, SecretNotFoundError, type SecretKeys } from './secrets.ts';
import { getTarget } from './target-store.ts';

/**
 * "Test connection" for a Target: can Tend reach each of its databases and URLs right now? The
 * answer names hosts and databases but never a credential or a whole connection string — not
 * in the result, not in an error message, not in a log (nothing here logs).
 */
export const CONNECTION_TIMEOUT_MS = 5_000;

export interface DatabaseCheck {
	name: string;
	ok: boolean;
	/** `host:port`, when the URL could be read. */
	host?: string;
	database?: string;
	serverVersion?: string;
	user?: string;
	/** A standby (in recovery), or a server whose transactions are read-only by default. */
	readOnly?: boolean;
	/** The login is a superuser: steps that do not need one refuse it unless the database sets allowSuperuser. */
	superuser?: boolean;
	/** The login is a superuser or may read or write the server's files or run programs there. */
	serverAccess?: boolean;
	latencyMs: number;
	error?: string;
	/** Whether the target lets steps connect as a superuser anyway. */
	allowSuperuser?: boolean;
	/** The database's own login per purpose (roles.read, roles.backup, roles.owner), each checked too. */
	roles?: RoleCheck[];
	/** What a person should know or fix: a superuser login, a read login that reaches server files. */
	warnings?: string[];
}

export interface RoleCheck {
	purpose: ConnectionPurpose;
	ok: boolean;
	user?: string;
	superuser?: boolean;
	serverAccess?: boolean;
	error?: string;
}

export interface UrlCheck {
	name: string;
	/** The URL as written in the target, with any user and password removed. */
	url: string;
	ok: boolean;
	status?: number;
	latencyMs: number;
	error?: string;
}

export interface TargetConnections {
	target: string;
	checkedAt: string;
	databases: DatabaseCheck[];
	urls: UrlCheck[];
}

/** Checks every database and URL of the target at once; null when there is no such target. */
export async function checkTargetConnections(db: Db, secretKey: SecretKeys, name: string, own: readonly OwnEndpoint[] = [], timeoutMs = CONNECTION_TIMEOUT_MS): Promise<TargetConnections | null> {
	const target = await getTarget(db, name);
	if (!target) return null;
	const { databases, urls } = target.document.spec;
	// The URLs are tried under the policy the target's HTTP steps run under, so the test cannot probe what a step may not reach.
	const policy: AddressPolicy = { allowHosts: target.document.spec.http?.allowHosts ?? [], own };
	const [databaseChecks, urlChecks] = await Promise.all([
		Promise.all(Object.entries(databases ?? {}).map(([key, entry]) => checkDatabaseLogins(db, secretKey, key, entry, timeoutMs))),
		Promise.all(Object.entries(urls ?? {}).map(([key, url]) => checkUrl(key, url, timeoutMs, policy)))
	]);
	return { target: name, checkedAt: new Date().toISOString(), databases: databaseChecks, urls: urlChecks };
}

const POSTGRES_URL = /^postgres(ql)?:\/\//i;

/** The database's url, and each login it names for a purpose, checked at once; the flags a person must see as warnings. */
async function checkDatabaseLogins(db: Db, secretKey: SecretKeys, name: string, entry: TargetDatabaseEntry, timeoutMs: number): Promise<DatabaseCheck> {
	const own = CONNECTION_PURPOSES.filter((purpose) => entry.roles?.[purpose]);
	const [main, ...roleChecks] = await Promise.all([entry.url, ...own.map((purpose) => entry.roles![purpose]!)].map((reference) => checkDatabase(db, secretKey, name, reference, timeoutMs)));
	const roles: RoleCheck[] = roleChecks.map((check, i) => ({
		purpose: own[i],
		ok: check.ok,
		...(check.user !== undefined ? { user: check.user, superuser: check.superuser, serverAccess: check.serverAccess } : {}),
		...(check.error ? { error: check.error } : {})
	}));
	const allowSuperuser = entry.allowSuperuser === true;
	const warnings: string[] = [];
	const logins = [{ field: 'url', check: main }, ...roles.map((role) => ({ field: `roles.${role.purpose}`, check: role }))];
	for (const { field, check } of logins) {
		if (!check.superuser) continue;
		warnings.push(
			allowSuperuser
				? `${field} connects as "${check.user}", a superuser; allowSuperuser: true lets steps use it`
				: `${field} connects as "${check.user}", a superuser: steps refuse it; give the database least-privilege logins (roles) or set allowSuperuser: true`
		);
	}
	const read = entry.roles?.read ? roles.find((role) => role.purpose === 'read') : main;
	if (read?.serverAccess) warnings.push(`sql.check refuses "${read.user}": that login can reach the server's files or programs; give the database a read login (roles.read) without them`);
	return {
		...main,
		ok: main.ok && roles.every((role) => role.ok),
		...(allowSuperuser ? { allowSuperuser } : {}),
		...(roles.length ? { roles } : {}),
		...(warnings.length ? { warnings } : {})
	};
}

async function checkDatabase(db: Db, secretKey: SecretKeys, name: string, reference: string, timeoutMs: number): Promise<DatabaseCheck> {
	const started = performance.now();
	const failed = (error: string, where: Endpoint | null = null): DatabaseCheck => ({ name, ok: false, ...(where ?? {}), latencyMs: elapsed(started), error });
	let connectionString: string;
	try {
		connectionString = await resolveSecretRef(db, secretKey, reference);
	} catch (error) {
		if (error instanceof SecretNotFoundError) return failed(error.message);
		// GCM refuses the ciphertext: another TEND_SECRET_KEY, or a row copied from elsewhere.
		return failed(`the secret in "${reference}" cannot be decrypted with this server's TEND_SECRET_KEY; store it again`);
	}
	const secretName = reference.startsWith('secret:') ? `secret "${reference.slice('secret:'.length)}"` : 'the URL';
	if (!POSTGRES_URL.test(connectionString)) return failed(`${secretName} does not hold a postgres:// URL`);
	const where = describeEndpoint(connectionString);
	if (!where) return failed(`${secretName} does not hold a valid postgres:// URL`);

	let client: pg.Client;
	try {
		client = new pg.Client({ connectionString, connectionTimeoutMillis: timeoutMs, statement_timeout: timeoutMs, query_timeout: timeoutMs, application_name: 'tend connection test' });
	} catch (error) {
		return failed(redact(`${secretName} cannot be read: ${(error as Error).message}`, connectionString), where);
	}
	// A connection that breaks after the check (or while it ends) must not become an unhandled 'error' event.
	client.on('error', () => {});
	try {
		await client.connect();
		const { rows } = await client.query<{ version: string; user: string; in_recovery: boolean; read_only: string }>(
			`select version() as version, current_user as user, pg_is_in_recovery() as in_recovery, current_setting('default_transaction_read_only') as read_only`
		);
		const [row] = rows;
		const privileges = loginPrivileges((await client.query<LoginPrivilegesRow>(LOGIN_PRIVILEGES_SQL)).rows[0]);
		return {
			name,
			ok: true,
			...where,
			serverVersion: row.version,
			user: row.user,
			readOnly: row.in_recovery || row.read_only === 'on',
			superuser: privileges.superuser,
			serverAccess: privileges.serverAccess,
			latencyMs: elapsed(started)
		};
	} catch (error) {
		return failed(redact(describeConnectionError(error, where, timeoutMs, elapsed(started)), connectionString), where);
	} finally {
		await client.end().catch(() => {});
	}
}

async function checkUrl(name: string, url: string, timeoutMs: number, policy: AddressPolicy): Promise<UrlCheck> {
	const shown = withoutCredentials(url);
	const started = performance.now();
	const dispatcher = guardedAgent(policy);
	try {
		// A redirect is reported, not followed: the check is about this URL, and a redirect may lead anywhere.
		const response = await fetch(url, { redirect: 'manual', signal: AbortSignal.timeout(timeoutMs), headers: { 'user-agent': 'tend-connection-test' }, dispatcher });
		await response.body?.cancel();
		const ok = response.status >= 200 && response.status < 300;
		const error = ok ? undefined : response.status < 400 ? `answered ${response.status}, a redirect (not followed)` : `answered ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`;
		return { name, url: shown, ok, status: response.status, latencyMs: elapsed(started), ...(error ? { error } : {}) };
	} catch (error) {
		return { name, url: shown, ok: false, latencyMs: elapsed(started), error: redact(describeFetchError(error, timeoutMs), url) };
	} finally {
		void dispatcher.destroy().catch(() => {});
	}
}

export interface Endpoint {
	host: string;
	database: string;
}

/** Where a postgres:// URL points (host:port and database), or null when it cannot be read as a URL. */
export function describeEndpoint(connectionString: string): Endpoint | null {
	let url: URL;
	try {
		url = new URL(connectionString);
	} catch {
		return null;
	}
	const host = url.hostname || url.searchParams.get('host') || 'localhost';
	const port = url.port || url.searchParams.get('port') || '5432';
	const user = decodeURIComponent(url.username);
	const database = decodeURIComponent(url.pathname.replace(/^\//, '')) || url.searchParams.get('dbname') || user || '(default)';
	return { host: host.startsWith('/') ? host : `${host}:${port}`, database };
}

type ErrorWithCode = Error & { code?: string; cause?: unknown };

/** One sentence a person can act on, from what pg threw while connecting or querying. */
export function describeConnectionError(error: unknown, where: Endpoint, timeoutMs: number, elapsedMs: number): string {
	const seconds = `${timeoutMs / 1000} s`;
	if (!(error instanceof Error)) return String(error);
	const { code, message } = error as ErrorWithCode;
	switch (code) {
		case 'ECONNREFUSED':
			return `connection refused at ${where.host}: is PostgreSQL running and listening there?`;
		case 'ENOTFOUND':
		case 'EAI_AGAIN':
			return `host ${where.host.replace(/:\d+$/, '')} not found`;
		case 'ETIMEDOUT':
		case 'EHOSTUNREACH':
		case 'ENETUNREACH':
			return `${where.host} cannot be reached (${code})`;
		case '57014':
			return `the check query did not finish within ${seconds}`;
	}
	if (message === 'Query read timeout') return `the server at ${where.host} did not answer the check query within ${seconds}`;
	// pg ends a connection that is not ready in time; the message it rejects with varies by stage.
	if (/timeout|terminated/i.test(message) && elapsedMs >= timeoutMs * 0.9) return `no answer from ${where.host} within ${seconds}`;
	if (code && /^[0-9A-Z]{5}$/.test(code)) return `${message} (SQLSTATE ${code})`;
	return message;
}

function describeFetchError(error: unknown, timeoutMs: number): string {
	const refused = addressRefusal(error);
	if (refused) return `not tried: ${refused.message}`;
	if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) return `no answer within ${timeoutMs / 1000} s`;
	// fetch says only "fetch failed"; the reason is in its cause.
	const cause = error instanceof Error ? (error as ErrorWithCode).cause : undefined;
	if (cause instanceof Error) {
		const code = (cause as ErrorWithCode).code;
		if (code === 'ECONNREFUSED') return 'connection refused';
		if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'host not found';
		return cause.message;
	}
	return error instanceof Error ? error.message : String(error);
}

/** Removes the connection string, and its password, wherever a driver might have echoed them. */
export function redact(message: string, connectionString: string): string {
	const hidden: string[] = [connectionString];
	try {
		const url = new URL(connectionString);
		if (url.password) hidden.push(url.password, decodeURIComponent(url.password));
		const queryPassword = url.searchParams.get('password');
		if (queryPassword) hidden.push(queryPassword);
	} catch {
		// Not a URL: only the whole string can be recognised.
	}
	let out = message;
	for (const value of hidden.filter((v) => v.length >= 3).sort((a, b) => b.length - a.length)) out = out.split(value).join('…');
	return out;
}

/** A URL fit to show: user and password removed. */
export function withoutCredentials(raw: string): string {
	try {
		const url = new URL(raw);
		if (!url.username && !url.password) return raw;
		url.username = '';
		url.password = '';
		return url.toString();
	} catch {
		return raw;
	}
}

const elapsed = (started: number) => Math.round(performance.now() - started);
