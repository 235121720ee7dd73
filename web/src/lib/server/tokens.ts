import { createHash, randomBytes } from 'node:crypto';
import { desc, eq, sql } from 'drizzle-orm';
import { apiTokens, users, type Role } from '../../../../db/schema/index.ts';
import { appendAudit } from '../../../../shared/audit.ts';
import type { SessionUser } from './auth.ts';
import { getDb } from './db.ts';

/**
 * API tokens (DESIGN §7): for scripts and the `tend` CLI. The caller sees the token once; the
 * database keeps only its SHA-256, so a leaked table cannot be replayed. Scopes are role names
 * that narrow what a token may do; revoking keeps the row (and the audit trail) and stamps it.
 */
export const API_TOKEN_PREFIX = 'tend_';
/** 32 random bytes in base64url are 43 characters. */
const TOKEN_PATTERN = /^tend_[A-Za-z0-9_-]{43}$/;
/** Writing last_used_at on every request would turn each read into a write; once a minute is enough to tell a live token from a dead one. */
const LAST_USED_RESOLUTION_MS = 60_000;
const DAY_MS = 24 * 60 * 60 * 1000;

export const isApiToken = (bearer: string) => bearer.startsWith(API_TOKEN_PREFIX);
export const isTokenId = (id: string) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id);

export function generateApiToken(): string {
	return `${API_TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
}

export function hashApiToken(token: string): string {
	return createHash('sha256').update(token).digest('hex');
}

/** A scope is held if the user has that role; admin holds every role (it passes every role check). */
export function holdsScope(userRoles: readonly Role[], scope: Role): boolean {
	return userRoles.includes('admin') || userRoles.includes(scope);
}

/**
 * The roles a request made with the token has: the user's roles narrowed to the token's scopes.
 * Without scopes the token acts as the user. An admin's scoped token has exactly its scopes, so an
 * admin can hand a script a viewer's token. Computed at every request, so a role taken from the
 * user is taken from their tokens too.
 */
export function effectiveRoles(userRoles: readonly Role[], scopes: readonly Role[]): Role[] {
	if (!scopes.length) return [...userRoles];
	return scopes.filter((scope) => holdsScope(userRoles, scope));
}

export interface ApiTokenSummary {
	id: string;
	name: string;
	scopes: Role[];
	expiresAt: string | null;
	lastUsedAt: string | null;
	revokedAt: string | null;
	createdAt: string;
}

export interface CreatedApiToken {
	id: string;
	name: string;
	scopes: Role[];
	expiresAt: string | null;
	/** Shown once, in the answer to the request that created it. */
	token: string;
}

const iso = (date: Date | null) => (date ? date.toISOString() : null);

/** Creates a token for `owner`; the caller has checked that `owner` holds every scope. */
export async function createApiToken(owner: { id: string; username: string }, input: { name: string; scopes: Role[]; expiresInDays?: number }, now = new Date()): Promise<CreatedApiToken> {
	const token = generateApiToken();
	const scopes = [...new Set(input.scopes)].sort();
	const expiresAt = input.expiresInDays ? new Date(now.getTime() + input.expiresInDays * DAY_MS) : null;
	return getDb().transaction(async (tx) => {
		const [row] = await tx
			.insert(apiTokens)
			.values({ userId: owner.id, name: input.name, tokenHash: hashApiToken(token), scopes, expiresAt })
			.returning({ id: apiTokens.id });
		await appendAudit(tx, { actor: owner.username, action: 'token.create', subject: `token:${row.id}`, details: { name: input.name, scopes, expiresAt: iso(expiresAt) } });
		return { id: row.id, name: input.name, scopes, expiresAt: iso(expiresAt), token };
	});
}

export async function listApiTokens(userId: string): Promise<ApiTokenSummary[]> {
	const rows = await getDb().select().from(apiTokens).where(eq(apiTokens.userId, userId)).orderBy(desc(apiTokens.createdAt));
	return rows.map((row) => ({
		id: row.id,
		name: row.name,
		scopes: row.scopes as Role[],
		expiresAt: iso(row.expiresAt),
		lastUsedAt: iso(row.lastUsedAt),
		revokedAt: iso(row.revokedAt),
		createdAt: row.createdAt.toISOString()
	}));
}

export class ApiTokenNotFoundError extends Error {
	override name = 'ApiTokenNotFoundError';
}

/**
 * Revokes a token of the caller's own, or anyone's for an admin. Someone else's token answers
 * as not found, so ids cannot be probed. Revoking twice changes nothing and is not audited twice.
 */
export async function revokeApiToken(id: string, caller: SessionUser): Promise<void> {
	const isAdmin = caller.roles.includes('admin');
	await getDb().transaction(async (tx) => {
		const [row] = await tx
			.select({ userId: apiTokens.userId, name: apiTokens.name, revokedAt: apiTokens.revokedAt, owner: users.username })
			.from(apiTokens)
			.innerJoin(users, eq(users.id, apiTokens.userId))
			.where(eq(apiTokens.id, id))
			.for('update');
		if (!row || (row.userId !== caller.id && !isAdmin)) throw new ApiTokenNotFoundError(`no token "${id}"`);
		if (row.revokedAt) return;
		await tx.update(apiTokens).set({ revokedAt: new Date() }).where(eq(apiTokens.id, id));
		await appendAudit(tx, { actor: caller.username, action: 'token.revoke', subject: `token:${id}`, details: { name: row.name, owner: row.owner } });
	});
}

export interface ValidApiToken {
	token: { id: string; scopes: Role[] };
	/** The owner, with `roles` already narrowed to the token's scopes. */
	user: SessionUser;
}

/** Roles come back as text[]: node-postgres has no parser for arrays of enum types. */
const rolesOf = sql<Role[]>`coalesce(array(select ur.role::text from user_roles ur where ur.user_id = ${users.id} order by ur.role), '{}')`;

/** The token's owner and effective roles, or null for an unknown, malformed, revoked or expired token. */
export async function validateApiToken(token: string, now = new Date()): Promise<ValidApiToken | null> {
	if (!TOKEN_PATTERN.test(token)) return null;
	const db = getDb();
	const [row] = await db
		.select({
			id: apiTokens.id,
			scopes: apiTokens.scopes,
			expiresAt: apiTokens.expiresAt,
			revokedAt: apiTokens.revokedAt,
			lastUsedAt: apiTokens.lastUsedAt,
			user: { id: users.id, username: users.username, displayName: users.displayName, email: users.email, roles: rolesOf }
		})
		.from(apiTokens)
		.innerJoin(users, eq(users.id, apiTokens.userId))
		.where(eq(apiTokens.tokenHash, hashApiToken(token)));
	if (!row || row.revokedAt || (row.expiresAt && row.expiresAt.getTime() <= now.getTime())) return null;
	if (!row.lastUsedAt || now.getTime() - row.lastUsedAt.getTime() >= LAST_USED_RESOLUTION_MS) {
		await db.update(apiTokens).set({ lastUsedAt: now }).where(eq(apiTokens.id, row.id));
	}
	const scopes = row.scopes as Role[];
	return { token: { id: row.id, scopes }, user: { ...row.user, roles: effectiveRoles(row.user.roles, scopes) } };
}
