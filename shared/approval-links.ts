import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';

/**
 * Signed links to an approval, put in the notifications that ask someone to decide. The signature
 * proves the link came from this Tend instance and names this run, step and expiry; it is not a
 * bearer credential: opening it still needs a session, and the decision still checks the person's
 * roles and four eyes. Pure node:crypto and no SvelteKit imports, because the worker's ledger
 * activity signs what the web app verifies.
 */

/** Long enough to outlast a weekend's wait; the inbox always works without a link. */
export const APPROVAL_LINK_TTL_SECONDS = 7 * 24 * 60 * 60;

export interface ApprovalLink {
	run: string;
	step: string;
	/** Unix seconds after which the link is refused. */
	exp: number;
}

/**
 * A key of its own, derived from the instance's secret key (TEND_SECRET_KEY, base64): a signature
 * made for links can never be mistaken for anything else made with that key.
 */
export function approvalLinkKey(secretKeyBase64: string): Buffer {
	const secret = Buffer.from(secretKeyBase64, 'base64');
	if (secret.length !== 32) throw new Error('the secret key must be 32 bytes (TEND_SECRET_KEY, base64)');
	return Buffer.from(hkdfSync('sha256', secret, Buffer.alloc(0), 'tend approval links v1', 32));
}

/** Newlines separate the fields, and none may hold one: no two different links sign the same bytes. */
function signature(key: Buffer, link: ApprovalLink): Buffer {
	return createHmac('sha256', key).update(`${link.run}\n${link.step}\n${link.exp}`).digest();
}

export function signApprovalLink(key: Buffer, link: ApprovalLink): string {
	return signature(key, link).toString('base64url');
}

/** The path a notification links to: `/approvals/open?run=…&step=…&exp=…&sig=…`. */
export function approvalLinkPath(key: Buffer, run: string, step: string, now = new Date(), ttlSeconds = APPROVAL_LINK_TTL_SECONDS): string {
	const link = { run, step, exp: Math.floor(now.getTime() / 1000) + ttlSeconds };
	const query = new URLSearchParams({ run, step, exp: String(link.exp), sig: signApprovalLink(key, link) });
	return `/approvals/open?${query}`;
}

const RUN_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const STEP_ID = /^[A-Za-z0-9_.[\]-]{1,200}$/;

/**
 * The run and step a link names, if its signature is this instance's and it has not expired;
 * null for anything else, without saying which check failed.
 */
export function verifyApprovalLink(keys: Buffer | readonly Buffer[], params: URLSearchParams, now = new Date()): { run: string; step: string } | null {
	const run = params.get('run') ?? '';
	const step = params.get('step') ?? '';
	const expText = params.get('exp') ?? '';
	const sig = params.get('sig') ?? '';
	if (!RUN_ID.test(run) || !STEP_ID.test(step) || !/^\d{1,12}$/.test(expText) || !/^[A-Za-z0-9_-]{43}$/.test(sig)) return null;
	const exp = Number(expText);
	const given = Buffer.from(sig, 'base64url');
	// Any key of the ring: a link sent before a rotation stays good until it expires.
	const signedWith = (key: Buffer) => {
		const expected = signature(key, { run, step, exp });
		return given.length === expected.length && timingSafeEqual(given, expected);
	};
	if (!(Buffer.isBuffer(keys) ? [keys] : keys).some(signedWith)) return null;
	if (exp * 1000 <= now.getTime()) return null;
	return { run, step };
}
