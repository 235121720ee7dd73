import pg from 'pg';

/**
 * Connections to maintained databases, pooled per target database in each worker process: a SQL
 * step borrows one instead of opening its own (a five-step runbook opened five sessions, and a
 * busy Tend thousands). Each pool is bounded by TEND_TARGET_POOL_MAX and by a share of the
 * server's own `max_connections`, so Tend never takes the connections the maintained system needs;
 * idle connections close after a while, and one that sat idle is checked before it is lent.
 */
const DEFAULT_MAX = 5;
/** Tend's pools together take at most this share of what the server allows beyond its reserved slots. */
const SHARE_OF_SERVER = 0.25;
const IDLE_CLOSE_MS = 30_000;
/** A connection idle this long is pinged before use: the server may have dropped it meanwhile. */
const CHECK_AFTER_IDLE_MS = 10_000;

interface TargetPool {
	pool: pg.Pool;
	lastUse: WeakMap<pg.PoolClient, number>;
}

const pools = new Map<string, Promise<TargetPool>>();

function configuredMax(): number {
	const value = Number(process.env.TEND_TARGET_POOL_MAX ?? DEFAULT_MAX);
	return Number.isInteger(value) && value > 0 ? value : DEFAULT_MAX;
}

/** How many connections Tend may hold to this server: its configured maximum, or less if the server is small. */
async function sizeFor(url: string): Promise<number> {
	const client = new pg.Client({ connectionString: url, application_name: 'tend' });
	client.on('error', () => {});
	await client.connect();
	try {
		const { rows } = await client.query<{ max: string; reserved: string }>("select current_setting('max_connections') as max, current_setting('superuser_reserved_connections') as reserved");
		const available = Number(rows[0].max) - Number(rows[0].reserved);
		return Math.max(1, Math.min(configuredMax(), Math.floor(available * SHARE_OF_SERVER)));
	} finally {
		await client.end().catch(() => {});
	}
}

async function createPool(url: string): Promise<TargetPool> {
	const pool = new pg.Pool({ connectionString: url, max: await sizeFor(url), idleTimeoutMillis: IDLE_CLOSE_MS, application_name: 'tend' });
	// A connection dropped by the server while idle must not crash the worker; the pool replaces it.
	pool.on('error', () => {});
	pool.on('connect', (client) => client.on('error', () => {}));
	return { pool, lastUse: new WeakMap() };
}

function poolFor(url: string): Promise<TargetPool> {
	let pool = pools.get(url);
	if (!pool) {
		pool = createPool(url);
		// A failed creation (the server is down) is not kept: the next step tries again.
		pool.catch(() => pools.delete(url));
		pools.set(url, pool);
	}
	return pool;
}

export interface Borrowed {
	client: pg.PoolClient;
	/** Gives the connection back clean (`discard: true` closes it instead, e.g. after a cancel that may still land). */
	release(discard?: boolean): Promise<void>;
}

/** A connection to `url`, in its default session state; give it back with `release`. */
export async function borrowConnection(url: string): Promise<Borrowed> {
	const target = await poolFor(url);
	for (let tries = 0; ; tries++) {
		const client = await target.pool.connect();
		const idleSince = target.lastUse.get(client);
		if (idleSince !== undefined && Date.now() - idleSince > CHECK_AFTER_IDLE_MS) {
			try {
				await client.query('select 1');
			} catch (error) {
				client.release(true);
				if (tries >= 1) throw error;
				continue;
			}
		}
		return {
			client,
			async release(discard = false) {
				if (!discard) {
					try {
						// Whatever the step set for its session (timeouts, role, read-only) does not reach the next
						// borrower. DISCARD ALL refuses to run inside a transaction, so one left open is closed, not lent.
						await client.query('discard all');
					} catch {
						discard = true;
					}
				}
				if (!discard) target.lastUse.set(client, Date.now());
				client.release(discard);
			}
		};
	}
}

/** Closes every pool: on worker shutdown. */
export async function closeTargetPools(): Promise<void> {
	const all = [...pools.values()];
	pools.clear();
	await Promise.all(all.map(async (p) => (await p.catch(() => null))?.pool.end().catch(() => {})));
}
