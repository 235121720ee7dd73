import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { eq } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { secrets } from '../db/schema/index.ts';

/**
 * Secrets at rest: AES-256-GCM from node:crypto (no extra dependency needed for one AEAD).
 * The secret's name is the additional authenticated data, so a ciphertext copied onto another
 * name fails to decrypt instead of silently handing out the wrong credential.
 */
const ALGORITHM = 'aes-256-gcm';
const SECRET_REF = /^secret:([A-Za-z0-9][A-Za-z0-9._-]*)$/;

export class SecretNotFoundError extends Error {
	override name = 'SecretNotFound';
	constructor(readonly secretName: string) {
		super(`secret "${secretName}" is not set; store it with PUT /api/v1/secrets/${secretName}`);
	}
}

export interface EncryptedSecret {
	ciphertext: string;
	iv: string;
	tag: string;
}

function checkKey(key: Buffer): void {
	if (key.length !== 32) throw new Error('the secret key must be 32 bytes (TEND_SECRET_KEY, base64)');
}

export function encryptSecret(key: Buffer, name: string, value: string): EncryptedSecret {
	checkKey(key);
	const iv = randomBytes(12);
	const cipher = createCipheriv(ALGORITHM, key, iv);
	cipher.setAAD(Buffer.from(name, 'utf8'));
	const ciphertext = Buffer.concat([cipher.update(value, 'utf8'), cipher.final()]);
	return { ciphertext: ciphertext.toString('base64'), iv: iv.toString('base64'), tag: cipher.getAuthTag().toString('base64') };
}

export function decryptSecret(key: Buffer, name: string, secret: EncryptedSecret): string {
	checkKey(key);
	const decipher = createDecipheriv(ALGORITHM, key, Buffer.from(secret.iv, 'base64'));
	decipher.setAAD(Buffer.from(name, 'utf8'));
	decipher.setAuthTag(Buffer.from(secret.tag, 'base64'));
	return Buffer.concat([decipher.update(Buffer.from(secret.ciphertext, 'base64')), decipher.final()]).toString('utf8');
}

export async function putSecret(db: Db, key: Buffer, name: string, value: string): Promise<void> {
	const encrypted = encryptSecret(key, name, value);
	await db
		.insert(secrets)
		.values({ name, ...encrypted })
		.onConflictDoUpdate({ target: secrets.name, set: { ...encrypted, updatedAt: new Date() } });
}

export async function readSecret(db: Db, key: Buffer, name: string): Promise<string> {
	const [row] = await db.select().from(secrets).where(eq(secrets.name, name));
	if (!row) throw new SecretNotFoundError(name);
	return decryptSecret(key, name, row);
}

/** `secret:NAME` → the stored value; any other string is returned as written. */
export async function resolveSecretRef(db: Db, key: Buffer, value: string): Promise<string> {
	const match = SECRET_REF.exec(value);
	return match ? readSecret(db, key, match[1]) : value;
}

export const secretKeyFrom = (base64: string) => Buffer.from(base64, 'base64');
