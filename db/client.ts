import { drizzle, type NodePgDatabase } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import * as schema from './schema/index.ts';

export type Db = NodePgDatabase<typeof schema> & { $client: pg.Pool };

export function createDb(databaseUrl: string, options: { max?: number } = {}): Db {
	const pool = tolerateConnectionLoss(new pg.Pool({ connectionString: databaseUrl, max: options.max ?? 10 }));
	return drizzle(pool, { schema });
}

/**
 * A connection the server closes (restart, failover, shutdown) must not crash the process. An idle
 * one is reported on the pool, which replaces it. One that is checked out (a transaction) reports
 * through the query it fails, but pg also emits 'error' on the client, and an 'error' nobody
 * listens to throws; the pool drops such a client when it is released.
 */
export function tolerateConnectionLoss(pool: pg.Pool, log: (line: string) => void = console.warn): pg.Pool {
	pool.on('error', (error) => log(`database connection lost: ${error.message}`));
	pool.on('connect', (client) => client.on('error', () => {}));
	return pool;
}

export const migrationsFolder = fileURLToPath(new URL('./migrations', import.meta.url));

/** Applies the committed drizzle-kit migrations; safe to call at every start. */
export async function migrateDb(db: Db): Promise<void> {
	await migrate(db, { migrationsFolder });
}

export { schema };
