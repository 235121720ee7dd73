import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decryptSecret, encryptSecret } from '../../shared/secrets.ts';

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
