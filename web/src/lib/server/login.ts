import { createSession, hashPassword, loadSessionUser, verifyPassword, type SessionUser } from './auth.ts';
import { FailureLimiter } from './rate-limit.ts';
import { findUserForLogin } from './users.ts';

export type LoginResult =
	| { ok: true; user: SessionUser; token: string; expiresAt: Date }
	| { ok: false; reason: 'invalid' }
	| { ok: false; reason: 'rate_limited'; retryAfterSeconds: number };

/** 10 failed sign-ins per username and client address in 15 minutes, then a pause. */
const limiter = new FailureLimiter({ max: 10, windowMs: 15 * 60 * 1000 });

let dummyHash: Promise<string> | undefined;

/**
 * Checks a username and password and opens a session. Shared by the login form and
 * `POST /api/v1/session`, so both are rate limited and answer alike.
 */
export async function attemptLogin(args: { username: string; password: string; clientAddress: string }): Promise<LoginResult> {
	const username = args.username.trim().toLowerCase();
	const key = `${username}\u0000${args.clientAddress}`;
	const retryAfterSeconds = limiter.retryAfterSeconds(key);
	if (retryAfterSeconds > 0) return { ok: false, reason: 'rate_limited', retryAfterSeconds };

	const found = await findUserForLogin(username);
	// Unknown users cost a hash check too, so response times do not reveal which usernames exist.
	dummyHash ??= hashPassword('tend-unknown-user-placeholder');
	const valid = found ? await verifyPassword(found.passwordHash, args.password) : (await verifyPassword(await dummyHash, args.password), false);
	const user = valid && found ? await loadSessionUser(found.id) : null;
	if (!user) {
		limiter.fail(key);
		return { ok: false, reason: 'invalid' };
	}
	limiter.reset(key);
	const { token, session } = await createSession(user.id);
	return { ok: true, user, token, expiresAt: session.expiresAt };
}
