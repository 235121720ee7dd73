import { createDb, type Db } from '../../../../db/client.ts';
import { config } from '../../../../shared/config.ts';

let db: Db | undefined;

/** The web app's one connection pool, created on first use so importing this module reads no configuration. */
export function getDb(): Db {
	db ??= createDb(config().DATABASE_URL);
	return db;
}

export type { Db };

/** Ends the pool when the server shuts down, so its sessions close before the database does. */
export async function closeDb(): Promise<void> {
	const open = db;
	db = undefined;
	await open?.$client.end();
}
