import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../shared/config.ts';
import { deriveKey, keyId, keyRing } from '../../shared/key-ring.ts';

const b64 = (key: Buffer) => key.toString('base64');
const oldKey = randomBytes(32);
const newKey = randomBytes(32);
const base = { DATABASE_URL: 'postgres://u:p@h:5432/tend' };

describe('the key ring (TEND_SECRET_KEYS, TEND_SECRET_KEY)', () => {
	it('is TEND_SECRET_KEY alone when no ring is set, as before', () => {
		const cfg = parseConfig({ ...base, TEND_SECRET_KEY: b64(oldKey) });
		expect(cfg.TEND_SECRET_KEYS).toEqual([b64(oldKey)]);
		expect(cfg.TEND_SECRET_KEY).toBe(b64(oldKey));
	});

	it('puts the first key of TEND_SECRET_KEYS in front; TEND_SECRET_KEY may stay set while it is in the ring', () => {
		const cfg = parseConfig({ ...base, TEND_SECRET_KEY: b64(oldKey), TEND_SECRET_KEYS: `${b64(newKey)}, ${b64(oldKey)}` });
		expect(cfg.TEND_SECRET_KEYS).toEqual([b64(newKey), b64(oldKey)]);
		expect(cfg.TEND_SECRET_KEY).toBe(b64(newKey));
		expect(parseConfig({ ...base, TEND_SECRET_KEYS: b64(newKey) }).TEND_SECRET_KEY).toBe(b64(newKey));
	});

	it('names a key dropped by accident, a repeated key, a bad key and no key at all', () => {
		expect(() => parseConfig({ ...base, TEND_SECRET_KEY: b64(oldKey), TEND_SECRET_KEYS: b64(newKey) })).toThrow(/TEND_SECRET_KEY must be one of the keys in TEND_SECRET_KEYS/);
		expect(() => parseConfig({ ...base, TEND_SECRET_KEYS: `${b64(newKey)} ${b64(newKey)}` })).toThrow(/TEND_SECRET_KEYS lists the same key twice/);
		expect(() => parseConfig({ ...base, TEND_SECRET_KEYS: `${b64(newKey)},short` })).toThrow(/TEND_SECRET_KEYS must list keys of 32 bytes/);
		// Named beside the other bad variables, not only once they are fixed.
		expect(() => parseConfig({ PORT: 'x' })).toThrow(/PORT [^\n]+\n[\s\S]*TEND_SECRET_KEY is required but not set/);
		expect(() => parseConfig(base)).toThrow(/TEND_SECRET_KEY is required but not set \(or set TEND_SECRET_KEYS/);
	});

	it('gives a key the same short id everywhere, which reveals nothing of the key', () => {
		expect(keyId(Buffer.from(oldKey))).toBe(keyId(oldKey));
		expect(keyId(oldKey)).not.toBe(keyId(newKey));
		expect(keyId(oldKey)).toMatch(/^[A-Za-z0-9_-]{12}$/);
		const ring = keyRing([b64(newKey), oldKey]);
		expect(ring.current.id).toBe(keyId(newKey));
		expect(ring.byId(keyId(oldKey))?.key.equals(oldKey)).toBe(true);
	});

	it('derives a distinct key for each purpose', () => {
		expect(deriveKey(oldKey, 'a').equals(deriveKey(oldKey, 'b'))).toBe(false);
		expect(deriveKey(oldKey, 'a').equals(oldKey)).toBe(false);
	});
});

describe('an empty TEND_SECRET_KEYS', () => {
	it('means TEND_SECRET_KEY alone, as docker-compose passes it when unset', () => {
		const key = randomBytes(32).toString('base64');
		expect(parseConfig({ DATABASE_URL: 'postgres://u:p@h:5432/tend', TEND_SECRET_KEY: key, TEND_SECRET_KEYS: '' }).TEND_SECRET_KEYS).toEqual([key]);
	});
});
