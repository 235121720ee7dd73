import type { Cookies } from '@sveltejs/kit';
import { and, eq, isNull, ne, sql } from 'drizzle-orm';
import { sessions, users, userTotp, type Role } from '$db/schema/index.ts';
import { getDb } from './db.ts';
import { DEVICE_COOKIE, DEVICE_COOKIE_MAX_AGE_S } from './signed-values.ts';
import {
	SESSION_COOKIE,
	generateSessionToken,
	isSessionExpired,
	isWellFormedToken,
	needsRenewal,
	sessionExpiry,
	sessionIdFromToken
} from './session-tokens.ts';

export { SESSION_COOKIE, generateSessionToken, sessionIdFromToken } from './session-tokens.ts';

/** Who is signed in, as pages, actions and API routes see it (`locals.user`). */
export interface SessionUser {
	id: string;
	username: string;
	displayName: string;
	email: string;
	roles: Role[];
	/** The password was generated or reset by someone else: nothing but changing it until it is. */
	mustChangePassword: boolean;
	/** Has a confirmed second factor. */
	mfaEnrolled: boolean;
}

export interface ValidSession {
	session: { id: string; userId: string; expiresAt: Date; renewed: boolean; secondFactorAt: Date | null };
	user: SessionUser;
}

/** argon2id; the seeding code (dev/bootstrap.ts) hashes with the same module. */
export { hashPassword, verifyPassword } from '$shared/passwords.ts';

/** Roles come back as text[]: node-postgres has no parser for arrays of enum types. */
export const rolesOf = (userId: typeof users.id) =>
	sql<Role[]>`coalesce(array(select ur.role::text from user_roles ur where ur.user_id = ${userId} order by ur.role), '{}')`;

const mfaEnrolledOf = (userId: typeof users.id) => sql<boolean>`exists(select 1 from ${userTotp} t where t.user_id = ${userId} and t.confirmed_at is not null)`;

/** The columns of a SessionUser; a disabled user is never one. */
export const sessionUserColumns = {
	id: users.id,
	username: users.username,
	displayName: users.displayName,
	email: users.email,
	roles: rolesOf(users.id),
	mustChangePassword: users.mustChangePassword,
	mfaEnrolled: mfaEnrolledOf(users.id)
};

export async function loadSessionUser(userId: string): Promise<SessionUser | null> {
	const [row] = await getDb()
		.select(sessionUserColumns)
		.from(users)
		.where(and(eq(users.id, userId), isNull(users.disabledAt)));
	return row ?? null;
}

export async function createSession(userId: string, options: { secondFactor?: boolean } = {}, now = new Date()): Promise<{ token: string; session: { id: string; userId: string; expiresAt: Date } }> {
	const token = generateSessionToken();
	const session = { id: sessionIdFromToken(token), userId, expiresAt: sessionExpiry(now), createdAt: now, secondFactorAt: options.secondFactor ? now : null };
	await getDb().insert(sessions).values(session);
	return { token, session };
}

/**
 * The session and user a token stands for, or null; expired sessions (past their sliding expiry or
 * their absolute lifetime) and sessions of disabled users are deleted, ageing ones extended.
 */
export async function validateSessionToken(token: string, now = new Date()): Promise<ValidSession | null> {
	if (!isWellFormedToken(token)) return null;
	const db = getDb();
	const id = sessionIdFromToken(token);
	const [row] = await db
		.select({ expiresAt: sessions.expiresAt, createdAt: sessions.createdAt, secondFactorAt: sessions.secondFactorAt, disabledAt: users.disabledAt, user: sessionUserColumns })
		.from(sessions)
		.innerJoin(users, eq(users.id, sessions.userId))
		.where(eq(sessions.id, id));
	if (!row) return null;
	if (row.disabledAt || isSessionExpired(row.expiresAt, now, row.createdAt)) {
		await db.delete(sessions).where(eq(sessions.id, id));
		return null;
	}
	let expiresAt = row.expiresAt;
	const renewed = needsRenewal(expiresAt, now, row.createdAt);
	if (renewed) {
		expiresAt = sessionExpiry(now, row.createdAt);
		await db.update(sessions).set({ expiresAt }).where(eq(sessions.id, id));
	}
	return { session: { id, userId: row.user.id, expiresAt, renewed, secondFactorAt: row.secondFactorAt }, user: row.user };
}

export async function invalidateSession(sessionId: string): Promise<void> {
	await getDb().delete(sessions).where(eq(sessions.id, sessionId));
}

/** Signs a user out everywhere, or everywhere but `keep` (their own session after a password change). */
export async function invalidateUserSessions(userId: string, keep?: string): Promise<number> {
	const ended = await getDb()
		.delete(sessions)
		.where(keep ? and(eq(sessions.userId, userId), ne(sessions.id, keep)) : eq(sessions.userId, userId))
		.returning({ id: sessions.id });
	return ended.length;
}

/** Records that this session has just proved a second factor (for step-up on risky approvals). */
export async function markSecondFactor(sessionId: string, now = new Date()): Promise<void> {
	await getDb().update(sessions).set({ secondFactorAt: now }).where(eq(sessions.id, sessionId));
}

export function setSessionCookie(cookies: Cookies, url: URL, token: string, expiresAt: Date): void {
	cookies.set(SESSION_COOKIE, token, {
		path: '/',
		httpOnly: true,
		sameSite: 'lax',
		secure: url.protocol === 'https:',
		expires: expiresAt
	});
}

export function deleteSessionCookie(cookies: Cookies, url: URL): void {
	cookies.delete(SESSION_COOKIE, { path: '/', httpOnly: true, sameSite: 'lax', secure: url.protocol === 'https:' });
}

/** The device cookie (signed-values.ts): how this browser's own sign-ins stay unaffected by strangers' failures. */
export function setDeviceCookie(cookies: Cookies, url: URL, value: string): void {
	cookies.set(DEVICE_COOKIE, value, { path: '/', httpOnly: true, sameSite: 'lax', secure: url.protocol === 'https:', maxAge: DEVICE_COOKIE_MAX_AGE_S });
}
