import { randomBytes } from 'node:crypto';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { keyRing } from '../../shared/key-ring.ts';
import { ENCRYPTED_ENCODING, EncryptionCodec, isEncryptedPayload, KEY_ID_METADATA, PayloadKeyMissingError } from '../../shared/payload-codec.ts';

const oldKey = randomBytes(32);
const newKey = randomBytes(32);
const text = (bytes: Uint8Array | null | undefined) => new TextDecoder().decode(bytes ?? new Uint8Array());
const comment = { decision: 'approve', comment: 'canary-7f3a: looks right to me' };

describe('the Temporal payload codec (AES-256-GCM with the key ring)', () => {
	it('seals a payload whole (metadata and data) and names the key it used', async () => {
		const codec = new EncryptionCodec(keyRing([newKey, oldKey]));
		const plain = defaultPayloadConverter.toPayload(comment);
		const [sealed] = await codec.encode([plain]);
		expect(text(sealed.metadata?.encoding)).toBe(ENCRYPTED_ENCODING);
		expect(text(sealed.metadata?.[KEY_ID_METADATA])).toBe(keyRing([newKey]).current.id);
		expect(Object.keys(sealed.metadata ?? {}).sort()).toEqual([KEY_ID_METADATA, 'encoding'].sort());
		expect(Buffer.from(sealed.data!).toString('latin1')).not.toContain('canary-7f3a');
		expect(Buffer.from(sealed.data!).toString('latin1')).not.toContain('json/plain');
		const [opened] = await codec.decode([sealed]);
		expect(defaultPayloadConverter.fromPayload(opened)).toEqual(comment);
	});

	it('passes payloads that are not sealed through untouched: histories from before the codec still decode', async () => {
		const codec = new EncryptionCodec(keyRing([newKey]));
		const plain = defaultPayloadConverter.toPayload(comment);
		const [decoded] = await codec.decode([plain]);
		expect(decoded).toBe(plain);
		expect(isEncryptedPayload(plain)).toBe(false);
	});

	it('opens what an older key sealed, once that key is later in the ring; seals new payloads with the first key', async () => {
		const before = new EncryptionCodec(keyRing([oldKey]));
		const after = new EncryptionCodec(keyRing([newKey, oldKey]));
		const [sealedBefore] = await before.encode([defaultPayloadConverter.toPayload('in flight')]);
		const [opened] = await after.decode([sealedBefore]);
		expect(defaultPayloadConverter.fromPayload(opened)).toBe('in flight');
		const [sealedAfter] = await after.encode([defaultPayloadConverter.toPayload('later')]);
		expect(text(sealedAfter.metadata?.[KEY_ID_METADATA])).toBe(keyRing([newKey]).current.id);
	});

	it('refuses, naming the key id, a payload whose key has left the ring', async () => {
		const [sealed] = await new EncryptionCodec(keyRing([oldKey])).encode([defaultPayloadConverter.toPayload('x')]);
		const error = await new EncryptionCodec(keyRing([newKey])).decode([sealed]).catch((e: unknown) => e);
		expect(error).toBeInstanceOf(PayloadKeyMissingError);
		expect(String(error)).toContain(keyRing([oldKey]).current.id);
	});

	it('refuses a tampered payload, and one relabelled with another key id of the ring', async () => {
		const ring = keyRing([newKey, oldKey]);
		const codec = new EncryptionCodec(ring);
		const [sealed] = await codec.encode([defaultPayloadConverter.toPayload('x')]);
		const flipped = Buffer.from(sealed.data!);
		flipped[14] ^= 1;
		await expect(codec.decode([{ ...sealed, data: flipped }])).rejects.toThrow();
		const relabelled: Payload = { ...sealed, metadata: { ...sealed.metadata, [KEY_ID_METADATA]: new TextEncoder().encode(ring.keys[1].id) } };
		await expect(codec.decode([relabelled])).rejects.toThrow();
	});

	it('uses a fresh nonce for every payload', async () => {
		const codec = new EncryptionCodec(keyRing([newKey]));
		const [a, b] = await codec.encode([defaultPayloadConverter.toPayload('same'), defaultPayloadConverter.toPayload('same')]);
		expect(Buffer.from(a.data!).equals(Buffer.from(b.data!))).toBe(false);
	});
});
