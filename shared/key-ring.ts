import { createHash, hkdfSync } from 'node:crypto';

/**
 * The instance's secret keys (TEND_SECRET_KEYS, or TEND_SECRET_KEY alone): the first encrypts
 * and signs, every one decrypts and verifies. Rotating means putting a new key first and keeping
 * the old ones after it until nothing sealed with them is left (`tend keys rotate` re-encrypts
 * what Tend stores; Temporal histories keep theirs until the namespace's retention drops them).
 */
export interface RingKey {
	/** Derived from the key itself, so a key has the same id on every process that holds it. */
	id: string;
	key: Buffer;
}

export interface KeyRing {
	current: RingKey;
	/** The current key first, then the older ones in the order given. */
	keys: readonly RingKey[];
	byId(id: string): RingKey | undefined;
}

export const KEY_BYTES = 32;

/** A short public name for a key: a hash, so it says which key without revealing anything of it. */
export function keyId(key: Buffer): string {
	return createHash('sha256').update('tend key id\0').update(key).digest('base64url').slice(0, 12);
}

/** Keys as written in the environment: base64, separated by commas or white space. */
export function splitKeyList(text: string): string[] {
	return text.split(/[\s,]+/).filter(Boolean);
}

export const isKeyText = (text: string) => Buffer.from(text, 'base64').length === KEY_BYTES;

export function keyRing(keys: readonly (string | Buffer)[]): KeyRing {
	if (!keys.length) throw new Error('a key ring needs at least one key');
	const ring = keys.map((text) => {
		const key = typeof text === 'string' ? Buffer.from(text, 'base64') : text;
		if (key.length !== KEY_BYTES) throw new Error('the secret key must be 32 bytes (TEND_SECRET_KEY, base64)');
		return { id: keyId(key), key };
	});
	const index = new Map(ring.map((k) => [k.id, k]));
	return { current: ring[0], keys: ring, byId: (id) => index.get(id) };
}

/** A ring of one key is what a lone Buffer stands for, so older callers keep working. */
export function asKeyRing(keys: KeyRing | Buffer): KeyRing {
	return Buffer.isBuffer(keys) ? keyRing([keys]) : keys;
}

/** A key of its own for each use (payloads, proofs, links), so nothing made for one use opens another. */
export function deriveKey(key: Buffer, purpose: string): Buffer {
	return Buffer.from(hkdfSync('sha256', key, Buffer.alloc(0), purpose, KEY_BYTES));
}

const rings = new Map<string, KeyRing>();

/** The ring of a parsed configuration (shared/config.ts), built once per distinct list. */
export function configKeyRing(cfg: { TEND_SECRET_KEYS: readonly string[] }): KeyRing {
	const cacheKey = cfg.TEND_SECRET_KEYS.join(',');
	let ring = rings.get(cacheKey);
	if (!ring) rings.set(cacheKey, (ring = keyRing(cfg.TEND_SECRET_KEYS)));
	return ring;
}
