import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { eq } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { secrets } from '../db/schema/index.ts';
import { asKeyRing, configKeyRing, type KeyRing } from './key-ring.ts';

/**
 * Secrets at rest: AES-256-GCM from node:crypto (no extra dependency needed for one AEAD).
 * The secret's name is the additional authenticated data, so a ciphertext copied onto another
 * name fails to decrypt instead of silently handing out the wrong credential. The ring's current
 * key encrypts and its id is stored beside the ciphertext; any key of the ring decrypts, so a
 * rotation needs no downtime (shared/key-rotation.ts re-encrypts what the old keys sealed).
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
	/** The key that sealed it (key-ring.ts keyId); rows written before key ids were kept have none. */
	keyId?: string | null;
}

/** A key ring, or one key (a ring of one), as older callers pass it. */
export type SecretKeys = KeyRing | Buffer;

export class SecretKeyMissingError extends Error {
	override name = 'SecretKeyMissing';
	constructor(readonly keyId: string) {
		super(`sealed with key ${keyId}, which is not in TEND_SECRET_KEYS: put that key back in the ring, or store the value again`);
	}
}

function checkKey(key: Buffer): void {
	if (key.length !== 32) throw new Error('the secret key must be 32 bytes (TEND_SECRET_KEY, base64)');
}

export function encryptSecret(keys: SecretKeys, name: string, value: string): EncryptedSecret & { keyId: string } {
	const { current } = asKeyRing(keys);
	checkKey(current.key);
	const iv = randomBytes(12);
	const cipher = createCipheriv(ALGORITHM, current.key, iv);
	cipher.setAAD(Buffer.from(name, 'utf8'));
	const ciphertext = Buffer.concat([cipher.update(value, 'utf8'), cipher.final()]);
	return { ciphertext: ciphertext.toString('base64'), iv: iv.toString('base64'), tag: cipher.getAuthTag().toString('base64'), keyId: current.id };
}

function open(key: Buffer, name: string, secret: EncryptedSecret): string {
	checkKey(key);
	const decipher = createDecipheriv(ALGORITHM, key, Buffer.from(secret.iv, 'base64'));
	decipher.setAAD(Buffer.from(name, 'utf8'));
	decipher.setAuthTag(Buffer.from(secret.tag, 'base64'));
	return Buffer.concat([decipher.update(Buffer.from(secret.ciphertext, 'base64')), decipher.final()]).toString('utf8');
}

/**
 * Opens with the key the secret names; one without a key id (sealed before ids were kept) is tried
 * with each key of the ring, current first, which GCM's tag makes safe: a wrong key fails, it
 * never yields a wrong value. Also answers which key opened it, for the re-encrypt job.
 */
export function openSecret(keys: SecretKeys, name: string, secret: EncryptedSecret): { value: string; keyId: string } {
	const ring = asKeyRing(keys);
	if (secret.keyId) {
		const key = ring.byId(secret.keyId);
		if (!key) throw new SecretKeyMissingError(secret.keyId);
		return { value: open(key.key, name, secret), keyId: key.id };
	}
	let failure: unknown;
	for (const key of ring.keys) {
		try {
			return { value: open(key.key, name, secret), keyId: key.id };
		} catch (error) {
			failure ??= error;
		}
	}
	throw failure;
}

export function decryptSecret(keys: SecretKeys, name: string, secret: EncryptedSecret): string {
	return openSecret(keys, name, secret).value;
}

export async function putSecret(db: Db, key: SecretKeys, name: string, value: string): Promise<void> {
	const encrypted = encryptSecret(key, name, value);
	await db
		.insert(secrets)
		.values({ name, ...encrypted })
		.onConflictDoUpdate({ target: secrets.name, set: { ...encrypted, updatedAt: new Date() } });
}

export async function readSecret(db: Db, key: SecretKeys, name: string): Promise<string> {
	const [row] = await db.select().from(secrets).where(eq(secrets.name, name));
	if (!row) throw new SecretNotFoundError(name);
	return decryptSecret(key, name, row);
}

/** `secret:NAME` → the stored value; any other string is returned as written. */
export async function resolveSecretRef(db: Db, key: SecretKeys, value: string): Promise<string> {
	const match = SECRET_REF.exec(value);
	return match ? readSecret(db, key, match[1]) : value;
}

export const secretKeyFrom = (base64: string) => Buffer.from(base64, 'base64');

/** The configured ring (shared/config.ts): what web and worker encrypt and decrypt secrets with. */
export const secretKeys = (cfg: { TEND_SECRET_KEYS: readonly string[] }): KeyRing => configKeyRing(cfg);
