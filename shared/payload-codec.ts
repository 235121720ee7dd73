import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { Payload, PayloadCodec } from '@temporalio/common';
import proto from '@temporalio/proto';
import { deriveKey, type KeyRing } from './key-ring.ts';

/**
 * Payloads as Temporal stores them: every workflow input, activity input and result, Update
 * argument (a decision and its comment), memo and heartbeat is a whole Payload (metadata and
 * data) sealed with AES-256-GCM under the ring's current key, with that key's id in the clear
 * beside it. Temporal's database, its Web UI and anyone who reads histories through the API see
 * ciphertext; web and worker, which hold the ring, see values.
 *
 * A payload that is not sealed passes through as it is: histories recorded before the codec, or
 * by a process without it, still decode and replay.
 */
export const ENCRYPTED_ENCODING = 'binary/encrypted';
export const KEY_ID_METADATA = 'encryption-key-id';
const CIPHER = 'aes-256-gcm';
const IV_BYTES = 12;
const TAG_BYTES = 16;
/** Payload keys are derived, never the raw ring key, so a sealed payload can never open as a secret or the reverse. */
const PURPOSE = 'tend temporal payloads v1';

const { Payload: PayloadMessage } = proto.temporal.api.common.v1;
const text = (value: string) => new TextEncoder().encode(value);
const read = (bytes: Uint8Array | null | undefined) => (bytes ? new TextDecoder().decode(bytes) : undefined);

export class PayloadKeyMissingError extends Error {
	override name = 'PayloadKeyMissing';
	constructor(readonly keyId: string) {
		super(`a Temporal payload was sealed with key ${keyId}, which is not in TEND_SECRET_KEYS: keep old keys in the ring while histories sealed with them are kept`);
	}
}

export const isEncryptedPayload = (payload: Payload) => read(payload.metadata?.encoding) === ENCRYPTED_ENCODING;

export class EncryptionCodec implements PayloadCodec {
	private readonly keys = new Map<string, Buffer>();
	private readonly currentId: string;

	constructor(ring: KeyRing) {
		for (const { id, key } of ring.keys) this.keys.set(id, deriveKey(key, PURPOSE));
		this.currentId = ring.current.id;
	}

	async encode(payloads: Payload[]): Promise<Payload[]> {
		return payloads.map((payload) => this.seal(payload));
	}

	async decode(payloads: Payload[]): Promise<Payload[]> {
		return payloads.map((payload) => (isEncryptedPayload(payload) ? this.open(payload) : payload));
	}

	private seal(payload: Payload): Payload {
		const iv = randomBytes(IV_BYTES);
		const cipher = createCipheriv(CIPHER, this.keys.get(this.currentId)!, iv);
		// The key id is authenticated too: relabelling a payload with another id fails to open.
		cipher.setAAD(text(this.currentId));
		const plain = PayloadMessage.encode(payload).finish();
		const sealed = Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
		return { metadata: { encoding: text(ENCRYPTED_ENCODING), [KEY_ID_METADATA]: text(this.currentId) }, data: sealed };
	}

	private open(payload: Payload): Payload {
		const keyId = read(payload.metadata?.[KEY_ID_METADATA]) ?? '';
		const key = this.keys.get(keyId);
		if (!key) throw new PayloadKeyMissingError(keyId || '(none named)');
		const data = Buffer.from(payload.data ?? new Uint8Array());
		if (data.length < IV_BYTES + TAG_BYTES) throw new Error('a sealed Temporal payload is too short to hold its nonce and tag');
		const decipher = createDecipheriv(CIPHER, key, data.subarray(0, IV_BYTES));
		decipher.setAAD(text(keyId));
		decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
		const plain = Buffer.concat([decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)), decipher.final()]);
		return PayloadMessage.decode(plain) as Payload;
	}
}
