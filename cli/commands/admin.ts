import { existsSync, readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join, resolve } from 'node:path';
import { resetPassword, UnknownUserError } from '../../shared/account-passwords.ts';
import { forgetFirstAdminPassword } from '../../shared/first-admin.ts';
import { UsageError, type Output } from '../output.ts';

/**
 * `tend admin …`: acts on the local install's database directly, for when nobody can sign in
 * (issue 15). TEND_HOME and PORT are read as `npm start` reads them. If Tend is running, its
 * PostgreSQL is used as it is; if not, the embedded PostgreSQL is started for the command and
 * stopped again.
 */
export class LocalInstallError extends Error {
	override name = 'LocalInstallError';
}

interface LocalDatabase {
	url: string;
	/** Whether this command started PostgreSQL itself. */
	started: boolean;
	stop(): Promise<void>;
}

/** The port of the cluster's running postmaster, from its pid file, if one is alive. */
function runningPort(dataDir: string): number | null {
	const pidFile = join(dataDir, 'postmaster.pid');
	if (!existsSync(pidFile)) return null;
	const [pidLine, , , portLine] = readFileSync(pidFile, 'utf8').split('\n');
	const pid = Number(pidLine);
	try {
		process.kill(pid, 0);
	} catch (error) {
		// EPERM: alive, but another user's (PostgreSQL runs as `postgres` when Tend runs as root).
		if ((error as NodeJS.ErrnoException).code !== 'EPERM') return null;
	}
	return Number(portLine) || null;
}

async function openLocalDatabase(home: string): Promise<LocalDatabase> {
	const stateFile = join(home, 'state.json');
	if (!existsSync(stateFile)) throw new LocalInstallError(`there is no Tend install in ${home} (no state.json): set TEND_HOME as for npm start`);
	const { pgPassword } = JSON.parse(readFileSync(stateFile, 'utf8')) as { pgPassword: string };
	const dataDir = join(home, 'pg');
	const url = (port: number) => `postgres://tend:${encodeURIComponent(pgPassword)}@127.0.0.1:${port}/tend`;
	const port = runningPort(dataDir);
	if (port) return { url: url(port), started: false, stop: async () => {} };
	// Loaded only here: the rest of the CLI talks to a server and needs none of this.
	const [{ startEmbeddedPostgres }, { portsFor }] = await Promise.all([import('../../dev/postgres.ts'), import('../../dev/ports.ts')]);
	const ports = portsFor(Number(process.env.PORT ?? 5173));
	const cluster = await startEmbeddedPostgres({ dataDir, port: ports.postgres, password: pgPassword, logFile: join(home, 'logs', 'postgres.log') });
	return { url: cluster.url('tend'), started: true, stop: () => cluster.stop() };
}

export async function admin(action: string | undefined, args: string[], out: Output): Promise<number> {
	if (action !== 'reset-password' || args.length !== 1) throw new UsageError('usage: tend admin reset-password USER');
	const home = resolve(process.env.TEND_HOME ?? '.tend');
	const database = await openLocalDatabase(home);
	const { createDb } = await import('../../db/client.ts');
	const db = createDb(database.url, { max: 1 });
	try {
		const reset = await resetPassword(db, args[0], `cli:${userInfo().username}`);
		// A first-admin password still kept there is void now; the next start must not print it.
		forgetFirstAdminPassword(home, reset.username);
		out.line(`Reset the password of ${reset.username} in ${home}${database.started ? ' (PostgreSQL was not running: started and stopped for this)' : ''}.`);
		out.line('Their sessions have ended; they must choose a new password at the next sign-in. One-time password:');
		out.line(reset.password);
		return 0;
	} catch (error) {
		if (error instanceof UnknownUserError) {
			out.error(`tend: ${error.message} in ${home}`);
			return 1;
		}
		throw error;
	} finally {
		await db.$client.end();
		await database.stop();
	}
}
