import { sql, type SQL } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import type { KeyRing } from './key-ring.ts';
import { SEALED_COLUMNS, type SealedColumns } from './sealed-columns.ts';
import { encryptSecret, openSecret } from './secrets.ts';

/**
 * Rotation without downtime, for values Tend keeps sealed: once every process holds the new key
 * first in its ring (old keys after it, so nothing stops opening), this re-seals every row under
 * the current key, a batch at a time and without long locks. Each row is replaced only if it still
 * holds the ciphertext that was read, so a value stored meanwhile (already under the current key)
 * is never overwritten with the old one. Rows no key of the ring opens are reported, not touched.
 */
export interface TableRotation {
	table: string;
	rows: number;
	reencrypted: number;
	/** Already sealed with the current key, or stored anew while the job ran. */
	current: number;
	/** Keys of rows that no key of the ring opens (a key was dropped too early). */
	unreadable: string[];
}

export interface RotationReport {
	keyId: string;
	tables: TableRotation[];
}

export interface TableKeyUsage {
	table: string;
	/** Rows per key id, for tables that record the key. */
	byKey: Record<string, number>;
	/** Rows sealed before key ids were recorded (or in a table that keeps none). */
	unknown: number;
}

const BATCH = 200;

interface SealedRow extends Record<string, unknown> {
	k: string;
	ciphertext: string;
	iv: string;
	tag: string;
	key_id: string | null;
}

const id = (name: string) => sql.identifier(name);

function selectBatch(t: SealedColumns, after: string | null): SQL {
	const keyId = t.keyId ? sql`${id(t.keyId)}` : sql`null`;
	const from = after === null ? sql`` : sql` and ${id(t.key)} > ${after}`;
	return sql`select ${id(t.key)}::text as k, ${id(t.ciphertext)} as ciphertext, ${id(t.iv)} as iv, ${id(t.tag)} as tag, ${keyId} as key_id
		from ${id(t.table)} where ${id(t.ciphertext)} is not null${from} order by ${id(t.key)} limit ${BATCH}`;
}

async function rotateTable(db: Db, ring: KeyRing, t: SealedColumns): Promise<TableRotation> {
	const result: TableRotation = { table: t.table, rows: 0, reencrypted: 0, current: 0, unreadable: [] };
	for (let after: string | null = null; ; ) {
		const { rows }: { rows: SealedRow[] } = await db.execute<SealedRow>(selectBatch(t, after));
		if (!rows.length) return result;
		after = rows[rows.length - 1].k;
		for (const row of rows) {
			result.rows++;
			if (row.key_id === ring.current.id) {
				result.current++;
				continue;
			}
			let opened: { value: string; keyId: string };
			try {
				opened = openSecret(ring, t.aad(row.k), { ciphertext: row.ciphertext, iv: row.iv, tag: row.tag, keyId: row.key_id });
			} catch {
				result.unreadable.push(row.k);
				continue;
			}
			// A table without key ids: a row the current key opened is already current.
			if (!t.keyId && opened.keyId === ring.current.id) {
				result.current++;
				continue;
			}
			const sealed = encryptSecret(ring, t.aad(row.k), opened.value);
			const keyId = t.keyId ? sql`, ${id(t.keyId)} = ${sealed.keyId}` : sql``;
			const updated = await db.execute(
				sql`update ${id(t.table)} set ${id(t.ciphertext)} = ${sealed.ciphertext}, ${id(t.iv)} = ${sealed.iv}, ${id(t.tag)} = ${sealed.tag}${keyId}
					where ${id(t.key)}::text = ${row.k} and ${id(t.ciphertext)} = ${row.ciphertext}`
			);
			if (updated.rowCount) result.reencrypted++;
			else result.current++;
		}
	}
}

export async function reencryptSealed(db: Db, ring: KeyRing, tables: readonly SealedColumns[] = SEALED_COLUMNS): Promise<RotationReport> {
	const report: RotationReport = { keyId: ring.current.id, tables: [] };
	for (const t of tables) report.tables.push(await rotateTable(db, ring, t));
	return report;
}

/** How many rows each key still seals: a key may leave the ring once no table counts it. */
export async function sealedKeyUsage(db: Db, tables: readonly SealedColumns[] = SEALED_COLUMNS): Promise<TableKeyUsage[]> {
	const usage: TableKeyUsage[] = [];
	for (const t of tables) {
		const keyId = t.keyId ? sql`${id(t.keyId)}` : sql`null`;
		const { rows } = await db.execute<{ key_id: string | null; n: string }>(
			sql`select ${keyId} as key_id, count(*) as n from ${id(t.table)} where ${id(t.ciphertext)} is not null group by 1`
		);
		const entry: TableKeyUsage = { table: t.table, byKey: {}, unknown: 0 };
		for (const row of rows) {
			if (row.key_id === null) entry.unknown += Number(row.n);
			else entry.byKey[row.key_id] = Number(row.n);
		}
		usage.push(entry);
	}
	return usage;
}
