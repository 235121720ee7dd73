import type pg from 'pg';
import { withPgClient } from './pg-tools.ts';

/**
 * Runs one long statement (VACUUM, REINDEX CONCURRENTLY) so that cancelling the activity cancels
 * it on the server too: a second connection sends pg_cancel_backend, and the cancellation, not
 * the server's "canceling statement" error, is what the activity then throws.
 */
export async function cancellableStatement(url: string, client: pg.Client, signal: AbortSignal, text: string): Promise<void> {
	signal.throwIfAborted();
	const { rows } = await client.query<{ pid: number }>('select pg_backend_pid() as pid');
	const cancel = () => void withPgClient(url, (other) => other.query('select pg_cancel_backend($1)', [rows[0].pid])).catch(() => {});
	signal.addEventListener('abort', cancel, { once: true });
	try {
		await client.query(text);
	} catch (error) {
		if (signal.aborted) throw signal.reason;
		throw error;
	} finally {
		signal.removeEventListener('abort', cancel);
	}
}
