/**
 * Every place Tend keeps a value sealed with the key ring (shared/secrets.ts encryptSecret): the
 * re-encrypt job (shared/key-rotation.ts) walks this list, so a new kind of sealed value is
 * rotated by adding its table here. Each row keeps the ciphertext, nonce and tag in three text
 * columns (base64), optionally the id of the key that sealed it, and is identified by a one-column
 * key; the additional authenticated data it was sealed with is derived from that key.
 */
export interface SealedColumns {
	table: string;
	/** The row's key (a one-column primary or unique key). */
	key: string;
	ciphertext: string;
	iv: string;
	tag: string;
	/** The column naming the key that sealed the row, when the table keeps one. */
	keyId?: string;
	/** The additional authenticated data the row was sealed with, from its key. */
	aad(key: string): string;
}

export const SEALED_COLUMNS: readonly SealedColumns[] = [
	// Target credentials and other `secret:NAME` values, sealed with their name.
	{ table: 'secrets', key: 'name', ciphertext: 'ciphertext', iv: 'iv', tag: 'tag', keyId: 'key_id', aad: (name) => name }
];
