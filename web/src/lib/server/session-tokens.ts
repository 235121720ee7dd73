import { createHash, randomBytes } from 'node:crypto';

/**
 * The pure half of sessions (DESIGN §7, Lucia style): the browser holds a random token, the
 * database holds only its SHA-256, so a leaked sessions table cannot be replayed as cookies.
 */
export const SESSION_COOKIE = 'tend_session';

const DAY_MS = 24 * 60 * 60 * 1000;
/** Sliding: a session unused this long ends. */
export const SESSION_TTL_MS = 7 * DAY_MS;
/** A session used when less than this much of its sliding life is left is extended again. */
export const SESSION_RENEW_WITHIN_MS = SESSION_TTL_MS / 2;
/** Absolute: however busy, a session ends this long after its sign-in. */
export const SESSION_ABSOLUTE_MS = 30 * DAY_MS;

const BASE32_ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';
const TOKEN_BYTES = 20;
/** 20 bytes in base32 are exactly 32 characters, without padding. */
const TOKEN_PATTERN = /^[a-z2-7]{32}$/;

/** RFC 4648 base32, lower-case, unpadded: safe in cookies, headers and URLs as is. */
export function encodeBase32(bytes: Uint8Array): string {
	let out = '';
	let buffer = 0;
	let bits = 0;
	for (const byte of bytes) {
		buffer = (buffer << 8) | byte;
		bits += 8;
		while (bits >= 5) {
			out += BASE32_ALPHABET[(buffer >>> (bits - 5)) & 31];
			bits -= 5;
		}
		buffer &= (1 << bits) - 1;
	}
	if (bits > 0) out += BASE32_ALPHABET[(buffer << (5 - bits)) & 31];
	return out;
}

export function generateSessionToken(): string {
	return encodeBase32(randomBytes(TOKEN_BYTES));
}

/** Rejects malformed tokens before they cost a database round trip. */
export function isWellFormedToken(token: string): boolean {
	return TOKEN_PATTERN.test(token);
}

/** The `sessions.id` stored for a token. */
export function sessionIdFromToken(token: string): string {
	return createHash('sha256').update(token).digest('hex');
}

/** The sliding expiry from `now`, never past the absolute end of a session signed in at `createdAt`. */
export function sessionExpiry(now: Date, createdAt: Date = now): Date {
	return new Date(Math.min(now.getTime() + SESSION_TTL_MS, createdAt.getTime() + SESSION_ABSOLUTE_MS));
}

export function isSessionExpired(expiresAt: Date, now: Date, createdAt?: Date): boolean {
	return now.getTime() >= expiresAt.getTime() || (createdAt !== undefined && now.getTime() >= createdAt.getTime() + SESSION_ABSOLUTE_MS);
}

/** Sliding expiry: renew only in the second half of the session's life, so most requests write nothing; never past the absolute end. */
export function needsRenewal(expiresAt: Date, now: Date, createdAt: Date = now): boolean {
	return !isSessionExpired(expiresAt, now, createdAt) && expiresAt.getTime() - now.getTime() < SESSION_RENEW_WITHIN_MS && sessionExpiry(now, createdAt).getTime() > expiresAt.getTime();
}
