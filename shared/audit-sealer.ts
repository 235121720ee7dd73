import type pg from 'pg';
import type { Db } from '../db/client.ts';
import { onAuditAppend, sealAuditLog } from './audit.ts';

export interface AuditSealer {
	/** Resolves once no seal is in progress. */
	settled(): Promise<void>;
	/** Stops the timer and waits for a seal in progress. */
	stop(): Promise<void>;
}

/** The backstop: rows appended through another pool or process, or while another sealer held the lock. */
const BACKSTOP_MS = 5_000;
const BUSY_RETRY_MS = 200;
const SEAL_DELAY_MS = 25;

/**
 * Seals the audit log of one pool's appends right after their transactions end, and every few
 * seconds as a backstop. An append reports its connection's server pid; when the pool takes that
 * connection back, drizzle has committed or rolled back, so a seal then finds the row if it is
 * there at all. Seals in this process never overlap, and another process's seal is waited out
 * with a short retry rather than a blocking lock.
 */
export function startAuditSealer(db: Db, options: { backstopMs?: number; log?: (message: string) => void } = {}): AuditSealer {
	const log = options.log ?? ((message: string) => console.warn(message));
	const appendedOn = new Set<number>();
	let running: Promise<void> | null = null;
	let again = false;
	let stopped = false;
	let retry: NodeJS.Timeout | undefined;

	const seal = (): Promise<void> => {
		if (running) {
			again = true;
			return running;
		}
		running = (async () => {
			try {
				do {
					again = false;
					const { busy } = await sealAuditLog(db);
					if (busy && !stopped) retry ??= setTimeout(() => ((retry = undefined), void seal()), BUSY_RETRY_MS).unref();
				} while (again && !stopped);
			} catch (error) {
				// A lost database, say: the rows stay unsealed, and the backstop tries again.
				log(`audit sealer: ${error instanceof Error ? error.message : String(error)}`);
			} finally {
				running = null;
			}
		})();
		return running;
	};

	const unsubscribe = onAuditAppend((pid) => appendedOn.add(pid));
	const onRelease = (_error: Error | undefined, client: pg.PoolClient) => {
		const pid = (client as pg.PoolClient & { processID?: number }).processID;
		if (pid !== undefined && appendedOn.delete(pid)) soon();
	};
	// A burst of appends (fifty run starts at once) is sealed in a few batches, not one seal per commit.
	let pending: NodeJS.Timeout | undefined;
	const soon = () => {
		pending ??= setTimeout(() => ((pending = undefined), void seal()), SEAL_DELAY_MS).unref();
	};
	db.$client.on('release', onRelease);
	const backstop = setInterval(() => {
		// Pids of connections from other pools never come back through this one.
		appendedOn.clear();
		void seal();
	}, options.backstopMs ?? BACKSTOP_MS).unref();
	void seal();

	return {
		async settled() {
			while (running) await running;
		},
		async stop() {
			stopped = true;
			clearInterval(backstop);
			clearTimeout(retry);
			clearTimeout(pending);
			unsubscribe();
			db.$client.off('release', onRelease);
			await running;
		}
	};
}
