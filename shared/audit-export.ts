import { createHash, createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { deriveKey, type KeyRing, type RingKey } from './key-ring.ts';

/**
 * Signed exports of the audit log. The file is JSON whose `content` member is a string: the exact
 * bytes that are hashed and signed, so a third party checks them without re-serialising anything
 * (`jq -j .content`). The signature is Ed25519 by a key derived from the instance's secret key;
 * its public half is published at GET /api/v1/audit/signing-keys (docs/audit-export.md).
 */
export const AUDIT_EXPORT_FORMAT = 'tend-audit-export/1';

/** Ed25519 private keys in PKCS#8 are this fixed prefix followed by the 32-byte seed (RFC 8410). */
const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

export interface AuditSigningKey {
	/** The ring key's id: which key signed, so an export made before a rotation still verifies. */
	id: string;
	algorithm: 'Ed25519';
	/** SubjectPublicKeyInfo, PEM: what `openssl pkeyutl -verify -pubin -inkey` reads. */
	publicKeyPem: string;
}

function signingKeyPair(ringKey: RingKey): { privateKey: KeyObject; publicKey: KeyObject } {
	const seed = deriveKey(ringKey.key, 'tend audit export signing');
	const privateKey = createPrivateKey({ key: Buffer.concat([PKCS8_ED25519_PREFIX, seed]), format: 'der', type: 'pkcs8' });
	return { privateKey, publicKey: createPublicKey(privateKey) };
}

/** The public keys of every key in the ring, the current one first. */
export function auditSigningKeys(ring: KeyRing): AuditSigningKey[] {
	return ring.keys.map((k) => ({ id: k.id, algorithm: 'Ed25519', publicKeyPem: signingKeyPair(k).publicKey.export({ type: 'spki', format: 'pem' }).toString() }));
}

export interface AuditExportFile {
	format: typeof AUDIT_EXPORT_FORMAT;
	/** JSON text of {exportedAt, exportedBy, filters, chain, entries}: the signed bytes, as UTF-8. */
	content: string;
	/** SHA-256 of `content`'s UTF-8 bytes, hex. */
	sha256: string;
	signature: { algorithm: 'Ed25519'; keyId: string; value: string; publicKeyUrl: string };
}

/** Signs what an export holds with the ring's current key. */
export function signAuditExport(ring: KeyRing, content: unknown, publicKeyUrl: string): AuditExportFile {
	const text = JSON.stringify(content, null, 1);
	const bytes = Buffer.from(text, 'utf8');
	const { privateKey } = signingKeyPair(ring.current);
	return {
		format: AUDIT_EXPORT_FORMAT,
		content: text,
		sha256: createHash('sha256').update(bytes).digest('hex'),
		signature: { algorithm: 'Ed25519', keyId: ring.current.id, value: sign(null, bytes, privateKey).toString('base64'), publicKeyUrl }
	};
}

export type AuditExportCheck = { ok: true; keyId: string } | { ok: false; reason: 'malformed' | 'hash' | 'signature' | 'unknown-key' };

/** What a third party does, in code: hash, then the signature against a published key (by id). */
export function checkAuditExport(fileText: string, keys: readonly Pick<AuditSigningKey, 'id' | 'publicKeyPem'>[]): AuditExportCheck {
	let file: AuditExportFile;
	try {
		file = JSON.parse(fileText) as AuditExportFile;
	} catch {
		return { ok: false, reason: 'malformed' };
	}
	if (file?.format !== AUDIT_EXPORT_FORMAT || typeof file.content !== 'string' || typeof file.signature?.value !== 'string') return { ok: false, reason: 'malformed' };
	const bytes = Buffer.from(file.content, 'utf8');
	if (createHash('sha256').update(bytes).digest('hex') !== file.sha256) return { ok: false, reason: 'hash' };
	const key = keys.find((k) => k.id === file.signature.keyId);
	if (!key) return { ok: false, reason: 'unknown-key' };
	const good = verify(null, bytes, createPublicKey(key.publicKeyPem), Buffer.from(file.signature.value, 'base64'));
	return good ? { ok: true, keyId: key.id } : { ok: false, reason: 'signature' };
}
