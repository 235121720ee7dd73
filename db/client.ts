import { drizzle, type NodePgDatabase } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import * as schema from './schema/index.ts';

export type Db = NodePgDatabase<typeof schema> & { $client: pg.Pool };

export function createDb(databaseUrl: string, options: { max?: number } = {}): Db {
	const pool = new pg.Pool({ connectionString: databaseUrl, max: options.max ?? 10 });
	// An idle connection closed by the server (restart, failover) must not crash the process; the pool replaces it.
	pool.on('error', (error) => console.warn(`database connection lost: ${error.message}`));
	return drizzle(pool, { schema });
}

export const migrationsFolder = fileURLToPath(new URL('./migrations', import.meta.url));

/** Applies the committed drizzle-kit migrations; safe to call at every start. */
export async function migrateDb(db: Db): Promise<void> {
	await migrate(db, { migrationsFolder });
}

export { schema };
