import { appendAudit } from '$shared/audit.ts';
import { config } from '$shared/config.ts';
import { configKeyRing } from '$shared/key-ring.ts';
import { reencryptSealed, sealedKeyUsage, type RotationReport, type TableKeyUsage } from '$shared/key-rotation.ts';
import { getDb } from './db.ts';

/** The key ring as this process holds it, and how many stored values each key still seals. */
export interface KeyStatus {
	current: string;
	/** Key ids, the current one first. */
	ring: string[];
	tables: TableKeyUsage[];
}

export async function keyStatus(): Promise<KeyStatus> {
	const ring = configKeyRing(config());
	return { current: ring.current.id, ring: ring.keys.map((k) => k.id), tables: await sealedKeyUsage(getDb()) };
}

/** Re-seals every stored secret under the current key, and audits how many rows it changed (never a value). */
export async function rotateKeys(actor: { username: string }): Promise<RotationReport> {
	const db = getDb();
	const report = await reencryptSealed(db, configKeyRing(config()));
	const details = { keyId: report.keyId, tables: report.tables.map(({ table, rows, reencrypted, unreadable }) => ({ table, rows, reencrypted, unreadable: unreadable.length })) };
	await db.transaction((tx) => appendAudit(tx, { actor: actor.username, action: 'keys.rotate', subject: `key:${report.keyId}`, details }));
	return report;
}
