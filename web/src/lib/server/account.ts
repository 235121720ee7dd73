import { and, eq, ne } from 'drizzle-orm';
import { sessions, users } from '$db/schema/index.ts';
import { appendAudit } from '$shared/audit.ts';
import { hashPassword, verifyPassword, type SessionUser } from './auth.ts';
import { getDb } from './db.ts';
import { passwordCheckThrottle } from './login.ts';
import { passwordProblem, type PasswordProblem } from './password-policy.ts';

/** A person's own account: changing their password (the API's `POST /me/password` and the account page). */
export type PasswordChangeResult =
	| { ok: true; sessionsEnded: number }
	| { ok: false; field: 'currentPassword'; code: 'wrong' }
	| { ok: false; field: 'currentPassword'; code: 'rateLimited'; retryAfterSeconds: number }
	| { ok: false; field: 'newPassword'; problem: PasswordProblem };

/**
 * Checks the current password (throttled like a sign-in), the new one against the policy, and
 * stores it: the must-change flag clears, and every other session of the user ends, so whoever
 * else held one is signed out. The session the change came from, if any, stays.
 */
export async function changeOwnPassword(
	user: SessionUser,
	args: { currentPassword: string; newPassword: string; keepSession?: string; clientAddress: string; deviceCookie?: string }
): Promise<PasswordChangeResult> {
	const throttle = passwordCheckThrottle(user.username, args.clientAddress, args.deviceCookie);
	const wait = throttle.retryAfterSeconds();
	if (wait > 0) return { ok: false, field: 'currentPassword', code: 'rateLimited', retryAfterSeconds: wait };
	const db = getDb();
	const [row] = await db.select({ passwordHash: users.passwordHash }).from(users).where(eq(users.id, user.id));
	if (!row || !(await verifyPassword(row.passwordHash, args.currentPassword))) {
		throttle.fail();
		return { ok: false, field: 'currentPassword', code: 'wrong' };
	}
	if (args.newPassword === args.currentPassword) return { ok: false, field: 'newPassword', problem: { code: 'sameAsOld', message: 'must differ from the current password' } };
	const refused = passwordProblem(args.newPassword, [user.username, user.email, user.displayName]);
	if (refused) return { ok: false, field: 'newPassword', problem: refused };
	const passwordHash = await hashPassword(args.newPassword);
	const sessionsEnded = await db.transaction(async (tx) => {
		await tx.update(users).set({ passwordHash, mustChangePassword: false, passwordChangedAt: new Date() }).where(eq(users.id, user.id));
		const ended = await tx
			.delete(sessions)
			.where(args.keepSession ? and(eq(sessions.userId, user.id), ne(sessions.id, args.keepSession)) : eq(sessions.userId, user.id))
			.returning({ id: sessions.id });
		await appendAudit(tx, { actor: user.username, action: 'user.password_change', subject: `user:${user.username}`, details: { sessionsEnded: ended.length } });
		return ended.length;
	});
	return { ok: true, sessionsEnded };
}
