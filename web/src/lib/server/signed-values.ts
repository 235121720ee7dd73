import { createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import { config } from '$shared/config.ts';

/**
 * Small values the browser holds and Tend must trust when they come back: a device cookie (this
 * browser signed in as this user before) and a pending sign-in (the password was right, a code is
 * still due). Each is JSON plus an HMAC with a key derived from TEND_SECRET_KEY for that purpose
 * alone, so one kind can never be passed off as another, and nothing needs a table.
 */
const keys = new Map<string, Buffer>();

function keyFor(purpose: string): Buffer {
	let key = keys.get(purpose);
	if (!key) {
		key = Buffer.from(hkdfSync('sha256', Buffer.from(config().TEND_SECRET_KEY, 'base64'), Buffer.alloc(0), `tend ${purpose} v1`, 32));
		keys.set(purpose, key);
	}
	return key;
}

function sign(purpose: string, payload: object): string {
	const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
	return `${body}.${createHmac('sha256', keyFor(purpose)).update(body).digest('base64url')}`;
}

function open(purpose: string, value: string | undefined | null): unknown {
	if (!value || value.length > 1024) return null;
	const [body, mac, extra] = value.split('.');
	if (!body || !mac || extra !== undefined) return null;
	const expected = createHmac('sha256', keyFor(purpose)).update(body).digest();
	const given = Buffer.from(mac, 'base64url');
	if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
	try {
		return JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
	} catch {
		return null;
	}
}

export const DEVICE_COOKIE = 'tend_device';
export const DEVICE_COOKIE_MAX_AGE_S = 365 * 24 * 60 * 60;

/** A new device cookie for `username`; its `id` is what the throttle counts this device's failures by. */
export function issueDeviceCookie(username: string): string {
	return sign('device', { u: username, n: randomBytes(12).toString('base64url') });
}

/** The device's id if `value` is a genuine device cookie for `username`, else undefined. */
export function deviceFor(value: string | undefined | null, username: string): string | undefined {
	const payload = open('device', value) as { u?: unknown; n?: unknown } | null;
	return payload && payload.u === username && typeof payload.n === 'string' ? `${payload.u}\u0000${payload.n}` : undefined;
}

/** How long someone has to type their code after the password was accepted. */
export const PENDING_LOGIN_MS = 5 * 60_000;

/** A sign-in waiting for its second factor: who, until when, and which password it was given with. */
export function issuePendingLogin(userId: string, passwordHash: string, now = Date.now()): string {
	// A fingerprint of the password hash: changing the password voids sign-ins half done with the old one.
	return sign('pending-login', { u: userId, e: now + PENDING_LOGIN_MS, p: passwordFingerprint(passwordHash) });
}

export function openPendingLogin(value: string | undefined | null, now = Date.now()): { userId: string; passwordFingerprint: string } | null {
	const payload = open('pending-login', value) as { u?: unknown; e?: unknown; p?: unknown } | null;
	if (!payload || typeof payload.u !== 'string' || typeof payload.e !== 'number' || typeof payload.p !== 'string' || payload.e <= now) return null;
	return { userId: payload.u, passwordFingerprint: payload.p };
}

export function passwordFingerprint(passwordHash: string): string {
	return createHmac('sha256', keyFor('pending-login')).update(passwordHash).digest('base64url').slice(0, 16);
}
