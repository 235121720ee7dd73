import { eq } from 'drizzle-orm';
import { users } from '$db/schema/index.ts';
import { config } from '$shared/config.ts';
import { forgetFirstAdminPassword } from '$shared/first-admin.ts';
import { createSession, hashPassword, loadSessionUser, verifyPassword, type SessionUser } from './auth.ts';
import { getDb } from './db.ts';
import { LoginThrottle, type ThrottleSubject } from './login-throttle.ts';
import { verifySecondFactor } from './mfa.ts';
import { deviceFor, issueDeviceCookie, issuePendingLogin, openPendingLogin, passwordFingerprint } from './signed-values.ts';
import { findUserForLogin } from './users.ts';

export type LoginResult =
	| { ok: true; user: SessionUser; token: string; expiresAt: Date; device: string }
	| { ok: false; reason: 'invalid' | 'disabled' | 'code_invalid' }
	/** The password was right; the account has a second factor and no code came with it. `pending` lets a form ask for it. */
	| { ok: false; reason: 'code_required'; pending: string }
	| { ok: false; reason: 'rate_limited'; retryAfterSeconds: number };

const throttle = new LoginThrottle();

let dummyHash: Promise<string> | undefined;

interface Attempt {
	username: string;
	password: string;
	/** A TOTP code or a recovery code. */
	code?: string;
	clientAddress: string;
	/** The `tend_device` cookie the request came with, if any. */
	deviceCookie?: string;
}

const subjectOf = (username: string, clientAddress: string, deviceCookie?: string): ThrottleSubject => ({ username, clientAddress, device: deviceFor(deviceCookie, username) });

/**
 * Checks a username, password and (when the account has one) second factor, and opens a session.
 * Shared by the login form and `POST /api/v1/session`, so both are throttled and answer alike
 * (login-throttle.ts: per source, per username, and per device for a known browser).
 */
export async function attemptLogin(attempt: Attempt): Promise<LoginResult> {
	const username = attempt.username.trim().toLowerCase();
	const subject = subjectOf(username, attempt.clientAddress, attempt.deviceCookie);
	const retryAfterSeconds = throttle.retryAfterSeconds(subject);
	if (retryAfterSeconds > 0) return { ok: false, reason: 'rate_limited', retryAfterSeconds };

	const found = await findUserForLogin(username);
	// Unknown users cost a hash check too, so response times do not reveal which usernames exist.
	dummyHash ??= hashPassword('tend-unknown-user-placeholder');
	const valid = found ? await verifyPassword(found.passwordHash, attempt.password) : (await verifyPassword(await dummyHash, attempt.password), false);
	if (!valid || !found) {
		throttle.fail(subject);
		return { ok: false, reason: 'invalid' };
	}
	if (found.disabled) return { ok: false, reason: 'disabled' };
	if (found.mfaEnrolled) {
		if (!attempt.code) return { ok: false, reason: 'code_required', pending: issuePendingLogin(found.id, found.passwordHash) };
		if (!(await verifySecondFactor(found.id, attempt.code))) {
			throttle.fail(subject);
			return { ok: false, reason: 'code_invalid' };
		}
	}
	return openSession(found.id, subject, found.mfaEnrolled);
}

/** The second step of a form sign-in: the pending value the first step gave, and the code. */
export async function completeLogin(args: { pending: string; code: string; clientAddress: string; deviceCookie?: string }): Promise<LoginResult> {
	const pending = openPendingLogin(args.pending);
	if (!pending) return { ok: false, reason: 'invalid' };
	const [user] = await getDb()
		.select({ id: users.id, username: users.username, passwordHash: users.passwordHash, disabledAt: users.disabledAt })
		.from(users)
		.where(eq(users.id, pending.userId));
	// A password changed since the first step voids it.
	if (!user || passwordFingerprint(user.passwordHash) !== pending.passwordFingerprint) return { ok: false, reason: 'invalid' };
	if (user.disabledAt) return { ok: false, reason: 'disabled' };
	const subject = subjectOf(user.username, args.clientAddress, args.deviceCookie);
	const retryAfterSeconds = throttle.retryAfterSeconds(subject);
	if (retryAfterSeconds > 0) return { ok: false, reason: 'rate_limited', retryAfterSeconds };
	if (!(await verifySecondFactor(user.id, args.code))) {
		throttle.fail(subject);
		return { ok: false, reason: 'code_invalid' };
	}
	return openSession(user.id, subject, true);
}

async function openSession(userId: string, subject: ThrottleSubject, secondFactor: boolean): Promise<LoginResult> {
	const user = await loadSessionUser(userId);
	if (!user) return { ok: false, reason: 'disabled' };
	throttle.succeed(subject);
	const { token, session } = await createSession(user.id, { secondFactor });
	await getDb().update(users).set({ lastLoginAt: new Date() }).where(eq(users.id, user.id));
	// The generated first-admin password has been used: the copy kept under TEND_HOME goes.
	forgetFirstAdminPassword(config().TEND_HOME, user.username);
	return { ok: true, user, token, expiresAt: session.expiresAt, device: issueDeviceCookie(user.username) };
}

/** A wrong current password on a password change counts like a failed sign-in, so a stolen session cannot guess it freely. */
export function passwordCheckThrottle(username: string, clientAddress: string, deviceCookie?: string) {
	const subject = subjectOf(username, clientAddress, deviceCookie);
	return {
		retryAfterSeconds: () => throttle.retryAfterSeconds(subject),
		fail: () => throttle.fail(subject)
	};
}
