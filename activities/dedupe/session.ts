import pg from 'pg';

/** How a dedupe reports progress and learns that it should stop (between statements and batches). */
export interface DedupeHooks {
	progress(state: Record<string, unknown>): void;
	/** Throws when the work has been cancelled. */
	checkCancelled(): void;
}

export const noHooks: DedupeHooks = { progress: () => {}, checkCancelled: () => {} };

/**
 * One connection for the whole dedupe: its temporary work tables and its lock on the merge live
 * as long as the session does, and both go when it closes.
 */
export async function withDedupeSession<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
	const client = new pg.Client({ connectionString: url, application_name: 'tend data.dedupe' });
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
