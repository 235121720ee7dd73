import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { keyRing } from '../../shared/key-ring.ts';
import { decryptSecret, encryptSecret, openSecret, SecretKeyMissingError } from '../../shared/secrets.ts';

describe('secrets at rest (AES-256-GCM)', () => {
	const key = randomBytes(32);

	it('round-trips a value and never stores it in the clear', () => {
		const sealed = encryptSecret(key, 'crm-db', 'postgres://tend:s3cret@db/crm');
		expect(JSON.stringify(sealed)).not.toContain('s3cret');
		expect(decryptSecret(key, 'crm-db', sealed)).toBe('postgres://tend:s3cret@db/crm');
	});

	it('uses a fresh nonce each time', () => {
		expect(encryptSecret(key, 'a', 'same').ciphertext).not.toBe(encryptSecret(key, 'a', 'same').ciphertext);
	});

	it('refuses a ciphertext moved to another name, a tampered one, or the wrong key', () => {
		const sealed = encryptSecret(key, 'crm-db', 'value');
		expect(() => decryptSecret(key, 'other-db', sealed)).toThrow();
		const flipped = Buffer.from(sealed.ciphertext, 'base64');
		flipped[0] ^= 1;
		expect(() => decryptSecret(key, 'crm-db', { ...sealed, ciphertext: flipped.toString('base64') })).toThrow();
		expect(() => decryptSecret(randomBytes(32), 'crm-db', sealed)).toThrow();
	});

	it('rejects a key of the wrong length', () => {
		expect(() => encryptSecret(randomBytes(16), 'a', 'b')).toThrow(/32 bytes/);
	});
});

describe('secrets with a key ring', () => {
	const oldKey = randomBytes(32);
	const newKey = randomBytes(32);

	it('seals with the first key, names it, and opens with any key of the ring', () => {
		const before = encryptSecret(oldKey, 'crm-db', 'pw-old');
		expect(before.keyId).toBe(keyRing([oldKey]).current.id);
		const ring = keyRing([newKey, oldKey]);
		expect(openSecret(ring, 'crm-db', before)).toEqual({ value: 'pw-old', keyId: keyRing([oldKey]).current.id });
		const after = encryptSecret(ring, 'crm-db', 'pw-new');
		expect(after.keyId).toBe(ring.current.id);
		expect(decryptSecret(ring, 'crm-db', after)).toBe('pw-new');
	});

	it('opens a secret sealed before key ids were kept by trying each key', () => {
		const { keyId: _dropped, ...legacy } = encryptSecret(oldKey, 'crm-db', 'pw');
		expect(openSecret(keyRing([newKey, oldKey]), 'crm-db', legacy).value).toBe('pw');
		expect(() => openSecret(keyRing([newKey]), 'crm-db', legacy)).toThrow();
	});

	it('says which key is missing when the ring no longer holds it', () => {
		const sealed = encryptSecret(oldKey, 'crm-db', 'pw');
		expect(() => decryptSecret(keyRing([newKey]), 'crm-db', sealed)).toThrow(SecretKeyMissingError);
	});
});
