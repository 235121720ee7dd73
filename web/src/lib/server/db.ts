import { createDb, type Db } from '../../../../db/client.ts';
import { startAuditSealer } from '../../../../shared/audit-sealer.ts';
import { config } from '../../../../shared/config.ts';

let db: Db | undefined;

/**
 * The web app's one connection pool, created on first use so importing this module reads no
 * configuration. Its audit appends are sealed into the chain as their transactions end.
 */
export function getDb(): Db {
	if (!db) {
		db = createDb(config().DATABASE_URL);
		startAuditSealer(db);
	}
	return db;
}

export type { Db };

/** Ends the pool when the server shuts down, so its sessions close before the database does. */
export async function closeDb(): Promise<void> {
	const open = db;
	db = undefined;
	await open?.$client.end();
}
