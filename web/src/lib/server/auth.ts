import type { Cookies } from '@sveltejs/kit';
import { eq, sql } from 'drizzle-orm';
import { sessions, users, type Role } from '../../../../db/schema/index.ts';
import { getDb } from './db.ts';
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
}

export interface ValidSession {
	session: { id: string; userId: string; expiresAt: Date; renewed: boolean };
	user: SessionUser;
}

/** argon2id; the seeding code (dev/bootstrap.ts) hashes with the same module. */
export { hashPassword, verifyPassword } from '../../../../shared/passwords.ts';

/** Roles come back as text[]: node-postgres has no parser for arrays of enum types. */
const rolesOf = (userId: typeof users.id) =>
	sql<Role[]>`coalesce(array(select ur.role::text from user_roles ur where ur.user_id = ${userId} order by ur.role), '{}')`;

export async function loadSessionUser(userId: string): Promise<SessionUser | null> {
	const [row] = await getDb()
		.select({ id: users.id, username: users.username, displayName: users.displayName, email: users.email, roles: rolesOf(users.id) })
		.from(users)
		.where(eq(users.id, userId));
	return row ?? null;
}

export async function createSession(userId: string, now = new Date()): Promise<{ token: string; session: { id: string; userId: string; expiresAt: Date } }> {
	const token = generateSessionToken();
	const session = { id: sessionIdFromToken(token), userId, expiresAt: sessionExpiry(now) };
	await getDb().insert(sessions).values(session);
	return { token, session };
}

/** The session and user a token stands for, or null; expired sessions are deleted, ageing ones extended. */
export async function validateSessionToken(token: string, now = new Date()): Promise<ValidSession | null> {
	if (!isWellFormedToken(token)) return null;
	const db = getDb();
	const id = sessionIdFromToken(token);
	const [row] = await db
		.select({
			expiresAt: sessions.expiresAt,
			user: { id: users.id, username: users.username, displayName: users.displayName, email: users.email, roles: rolesOf(users.id) }
		})
		.from(sessions)
		.innerJoin(users, eq(users.id, sessions.userId))
		.where(eq(sessions.id, id));
	if (!row) return null;
	if (isSessionExpired(row.expiresAt, now)) {
		await db.delete(sessions).where(eq(sessions.id, id));
		return null;
	}
	let expiresAt = row.expiresAt;
	const renewed = needsRenewal(expiresAt, now);
	if (renewed) {
		expiresAt = sessionExpiry(now);
		await db.update(sessions).set({ expiresAt }).where(eq(sessions.id, id));
	}
	return { session: { id, userId: row.user.id, expiresAt, renewed }, user: row.user };
}

export async function invalidateSession(sessionId: string): Promise<void> {
	await getDb().delete(sessions).where(eq(sessions.id, sessionId));
}

/** Signs a user out everywhere (after a password change or when an admin disables them). */
export async function invalidateUserSessions(userId: string): Promise<void> {
	await getDb().delete(sessions).where(eq(sessions.userId, userId));
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
