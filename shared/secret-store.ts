import { asc, sql } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { secrets } from '../db/schema/index.ts';
import { appendAudit } from './audit.ts';
import { encryptSecret, type SecretKeys } from './secrets.ts';

/** The names `secret:NAME` can reference (shared/secrets.ts resolves the same shape), at most 128 long. */
export const SECRET_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
export const SECRET_NAME_RULE = 'must start with a letter or digit and hold only letters, digits, ".", "_" and "-" (at most 128)';

export interface SecretListing {
	name: string;
	updatedAt: Date;
}

/**
 * Sets a secret and audits that it was set. The value is write-only: it is encrypted before it
 * reaches the database, and neither the audit entry nor anything returned carries it.
 */
export async function storeSecret(db: Db, key: SecretKeys, name: string, value: string, actor: { username: string }): Promise<{ created: boolean }> {
	if (!SECRET_NAME_PATTERN.test(name)) throw new Error(`secret name ${SECRET_NAME_RULE}`);
	const encrypted = encryptSecret(key, name, value);
	return db.transaction(async (tx) => {
		const [written] = await tx
			.insert(secrets)
			.values({ name, ...encrypted })
			.onConflictDoUpdate({ target: secrets.name, set: { ...encrypted, updatedAt: new Date() } })
			// xmax is 0 on a row this statement inserted, set on one it updated.
			.returning({ created: sql<boolean>`(xmax = 0)` });
		await appendAudit(tx, { actor: actor.username, action: 'secret.put', subject: `secret:${name}`, details: { created: written.created } });
		return { created: written.created };
	});
}

export async function listSecrets(db: Db): Promise<SecretListing[]> {
	return db.select({ name: secrets.name, updatedAt: secrets.updatedAt }).from(secrets).orderBy(asc(secrets.name));
}

export async function secretNames(db: Db): Promise<string[]> {
	return (await listSecrets(db)).map((s) => s.name);
}
