import { and, count, eq, isNull, lt, or } from 'drizzle-orm';
import { mfaRecoveryCodes, users, userTotp } from '$db/schema/index.ts';
import { appendAudit } from '$shared/audit.ts';
import { config } from '$shared/config.ts';
import { decryptSecret, encryptSecret, secretKeys } from '$shared/secrets.ts';
import { hashRecoveryCode, matchTotp, newRecoveryCodes, newTotpSecret, RECOVERY_CODE, TOTP_CODE, totpUri } from '$shared/totp.ts';
import { getDb } from './db.ts';

/**
 * TOTP second factors with recovery codes (DESIGN §7, issue 12). The secret is encrypted at rest
 * with the secrets key (AES-256-GCM, the user's id as additional data, so a row copied onto
 * another user does not decrypt); recovery codes are kept only as hashes and shown once.
 */
const secretName = (userId: string) => `totp:${userId}`;
// The whole ring, so a second factor enrolled before a key rotation still opens (its row keeps no key id; GCM's tag finds the key).
const secretKey = () => secretKeys(config());

export class MfaStateError extends Error {
	override name = 'MfaStateError';
}

/** Starts (or restarts) enrolment: a new secret, unconfirmed until a code from it is verified. */
export async function startTotpEnrolment(user: { id: string; username: string }): Promise<{ secret: string; uri: string }> {
	const db = getDb();
	const [existing] = await db.select({ confirmedAt: userTotp.confirmedAt }).from(userTotp).where(eq(userTotp.userId, user.id));
	if (existing?.confirmedAt) throw new MfaStateError('a second factor is already set up; an admin can remove it (DELETE /api/v1/users/{username}/mfa) if the device is lost');
	const secret = newTotpSecret();
	const encrypted = encryptSecret(secretKey(), secretName(user.id), secret);
	await db
		.insert(userTotp)
		.values({ userId: user.id, ...encrypted })
		.onConflictDoUpdate({ target: userTotp.userId, set: { ...encrypted, lastStep: null, createdAt: new Date() } });
	return { secret, uri: totpUri(secret, user.username) };
}

/** Confirms enrolment with a code from the new authenticator; answers the recovery codes, once. */
export async function confirmTotpEnrolment(user: { id: string; username: string }, code: string, now = Date.now()): Promise<{ recoveryCodes: string[] } | null> {
	const db = getDb();
	const [row] = await db.select().from(userTotp).where(eq(userTotp.userId, user.id));
	if (!row) throw new MfaStateError('no enrolment has been started: POST /api/v1/me/mfa/totp first');
	if (row.confirmedAt) throw new MfaStateError('the second factor is already confirmed');
	const step = matchTotp(decryptSecret(secretKey(), secretName(user.id), row), code.trim(), row.lastStep, now);
	if (step === null) return null;
	const recoveryCodes = newRecoveryCodes();
	await db.transaction(async (tx) => {
		await tx.update(userTotp).set({ confirmedAt: new Date(now), lastStep: step }).where(eq(userTotp.userId, user.id));
		await tx.delete(mfaRecoveryCodes).where(eq(mfaRecoveryCodes.userId, user.id));
		await tx.insert(mfaRecoveryCodes).values(recoveryCodes.map((c) => ({ userId: user.id, codeHash: hashRecoveryCode(c) })));
		await appendAudit(tx, { actor: user.username, action: 'mfa.enrol', subject: `user:${user.username}`, details: { method: 'totp', recoveryCodes: recoveryCodes.length } });
	});
	return { recoveryCodes };
}

export type SecondFactor = 'totp' | 'recovery';

/**
 * Checks a second factor for `userId`: a current TOTP code (each accepted once: the step is
 * recorded by a conditional update, so two requests racing with one code cannot both pass) or an
 * unused recovery code (used up by the same kind of update). Null when it does not pass.
 */
export async function verifySecondFactor(userId: string, code: string, now = Date.now()): Promise<SecondFactor | null> {
	const given = code.trim();
	const db = getDb();
	if (TOTP_CODE.test(given)) {
		const [row] = await db.select().from(userTotp).where(eq(userTotp.userId, userId));
		if (!row?.confirmedAt) return null;
		const step = matchTotp(decryptSecret(secretKey(), secretName(userId), row), given, row.lastStep, now);
		if (step === null) return null;
		const claimed = await db
			.update(userTotp)
			.set({ lastStep: step })
			.where(and(eq(userTotp.userId, userId), or(isNull(userTotp.lastStep), lt(userTotp.lastStep, step))))
			.returning({ userId: userTotp.userId });
		return claimed.length ? 'totp' : null;
	}
	if (RECOVERY_CODE.test(given)) {
		const used = await db
			.update(mfaRecoveryCodes)
			.set({ usedAt: new Date(now) })
			.where(and(eq(mfaRecoveryCodes.userId, userId), eq(mfaRecoveryCodes.codeHash, hashRecoveryCode(given)), isNull(mfaRecoveryCodes.usedAt)))
			.returning({ id: mfaRecoveryCodes.id });
		return used.length ? 'recovery' : null;
	}
	return null;
}

export async function mfaStatus(userId: string): Promise<{ enrolled: boolean; pending: boolean; recoveryCodesLeft: number }> {
	const db = getDb();
	const [[row], [left]] = await Promise.all([
		db.select({ confirmedAt: userTotp.confirmedAt }).from(userTotp).where(eq(userTotp.userId, userId)),
		db
			.select({ n: count() })
			.from(mfaRecoveryCodes)
			.where(and(eq(mfaRecoveryCodes.userId, userId), isNull(mfaRecoveryCodes.usedAt)))
	]);
	return { enrolled: Boolean(row?.confirmedAt), pending: Boolean(row && !row.confirmedAt), recoveryCodesLeft: left?.n ?? 0 };
}

/** An admin removes a person's second factor (a lost phone); they enrol again at their next sign-in if their roles require it. */
export async function removeSecondFactor(username: string, actor: string): Promise<boolean> {
	return getDb().transaction(async (tx) => {
		const [user] = await tx.select({ id: users.id }).from(users).where(eq(users.username, username));
		if (!user) return false;
		const removed = await tx.delete(userTotp).where(eq(userTotp.userId, user.id)).returning({ userId: userTotp.userId });
		await tx.delete(mfaRecoveryCodes).where(eq(mfaRecoveryCodes.userId, user.id));
		if (removed.length) await appendAudit(tx, { actor, action: 'mfa.remove', subject: `user:${username}` });
		return true;
	});
}
