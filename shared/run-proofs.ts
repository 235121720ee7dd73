import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import type { RunAct } from '../workflows/acts.ts';
import { canonicalJson } from '../workflows/fingerprint.ts';

export type { RunAct };

/**
 * Proof that a person's act on a run (a decision, a checklist tick, a freeze override, a cancel)
 * was authenticated by Tend's web app: an HMAC over exactly what was done, by whom, on which run,
 * step and round, with a key only web and worker hold (derived from TEND_SECRET_KEY). A workflow
 * cannot check it (no keys in workflow code), so the ledger activity that writes the act to the
 * audit log checks it first, and the act counts only if it passes. Anyone who can reach Temporal
 * but not the key — a runbook's http step, a script on the network — cannot make one.
 */

export function runProofKey(secretKeyBase64: string): Buffer {
	const secret = Buffer.from(secretKeyBase64, 'base64');
	if (secret.length !== 32) throw new Error('the secret key must be 32 bytes (TEND_SECRET_KEY, base64)');
	return Buffer.from(hkdfSync('sha256', secret, Buffer.alloc(0), 'tend run acts v1', 32));
}

function mac(key: Buffer, act: RunAct): Buffer {
	const { kind, runId, stepId, round, actor, what } = act;
	const body = canonicalJson({ kind, runId, stepId: stepId ?? null, round: round ?? null, actor: { id: actor.id, username: actor.username, roles: [...actor.roles].sort() }, what });
	return createHmac('sha256', key).update(body).digest();
}

export function signRunAct(key: Buffer, act: RunAct): string {
	return mac(key, act).toString('base64url');
}

/** Checks a proof against one key, or each key of a ring (made with an older key before a rotation). */
export function verifyRunAct(keys: Buffer | readonly Buffer[], act: RunAct, proof: unknown): boolean {
	if (typeof proof !== 'string' || !/^[A-Za-z0-9_-]{43}$/.test(proof)) return false;
	const given = Buffer.from(proof, 'base64url');
	return (Buffer.isBuffer(keys) ? [keys] : keys).some((key) => {
		const expected = mac(key, act);
		return given.length === expected.length && timingSafeEqual(given, expected);
	});
}
