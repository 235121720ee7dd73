import type { Api } from '../api.ts';
import { table, UsageError, type Output } from '../output.ts';

interface KeyStatus {
	current: string;
	ring: string[];
	tables: Array<{ table: string; byKey: Record<string, number>; unknown: number }>;
}
interface RotationReport {
	keyId: string;
	tables: Array<{ table: string; rows: number; reencrypted: number; current: number; unreadable: string[] }>;
}

/**
 * `tend keys` shows which key seals how many stored values; `tend keys rotate` re-encrypts them
 * with the server's current key (the first of TEND_SECRET_KEYS). Exits 1 if any value could not
 * be opened, so a script does not drop an old key that is still needed.
 */
export async function keys(api: Api, action: string | undefined, out: Output): Promise<number> {
	if (action === undefined || action === 'status') {
		const status = await api.json<KeyStatus>('GET', '/keys');
		out.line(`current key ${status.current}; ring ${status.ring.join(', ')}`);
		const rows = status.tables.flatMap((t) => [
			...Object.entries(t.byKey).map(([id, n]) => [t.table, id === status.current ? `${id} (current)` : status.ring.includes(id) ? id : `${id} (not in ring)`, String(n)]),
			...(t.unknown ? [[t.table, '(not recorded)', String(t.unknown)]] : [])
		]);
		for (const line of table(['TABLE', 'KEY', 'ROWS'], rows)) out.line(line);
		return 0;
	}
	if (action !== 'rotate') throw new UsageError(`unknown keys action "${action}"; usage: tend keys [status|rotate]`);
	const report = await api.json<RotationReport>('POST', '/keys/rotate');
	let unreadable = 0;
	for (const t of report.tables) {
		out.line(`${t.table}: ${t.reencrypted} re-encrypted with key ${report.keyId}, ${t.current} already current, of ${t.rows}`);
		for (const key of t.unreadable) out.error(`tend: ${t.table} "${key}" opens with no key of the ring; store it again`);
		unreadable += t.unreadable.length;
	}
	return unreadable ? 1 : 0;
}
