import { createHash, randomBytes } from 'node:crypto';
import { and, desc, eq, isNull } from 'drizzle-orm';
import { apiTokens, ROLES, users, type Role } from '$db/schema/index.ts';
import { appendAudit } from '$shared/audit.ts';
import type { FieldError } from './api.ts';
import { sessionUserColumns, type SessionUser } from './auth.ts';
import { getDb } from './db.ts';
import { getSettings } from './settings.ts';

/**
 * API tokens (DESIGN §7): for scripts and the `tend` CLI. The caller sees the token once; the
 * database keeps only its SHA-256, so a leaked table cannot be replayed. Revoking keeps the row
 * (and the audit trail) and stamps it.
 *
 * A token never grants more than whoever made it (issue 12, hole 1): its scopes are roles its
 * owner holds — and, when a token made it, scopes that token holds too — and it always expires,
 * by the admin's default and within the admin's maximum (the `tokens` settings), and never after
 * the token that made it. An empty list of scopes grants nothing.
 */
export const API_TOKEN_PREFIX = 'tend_';
/** 32 random bytes in base64url are 43 characters. */
const TOKEN_PATTERN = /^tend_[A-Za-z0-9_-]{43}$/;
/** Writing last_used_at on every request would turn each read into a write; once a minute is enough to tell a live token from a dead one. */
const LAST_USED_RESOLUTION_MS = 60_000;
const DAY_MS = 24 * 60 * 60 * 1000;

/** Besides roles, a token may carry `tokens`: the right to revoke its owner's other tokens. */
export const TOKEN_SCOPES = [...ROLES, 'tokens'] as const;
export type TokenScope = (typeof TOKEN_SCOPES)[number];
export const MANAGE_TOKENS: TokenScope = 'tokens';

export const isApiToken = (bearer: string) => bearer.startsWith(API_TOKEN_PREFIX);
export const isTokenId = (id: string) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id);
const isRole = (scope: string): scope is Role => (ROLES as readonly string[]).includes(scope);

export function generateApiToken(): string {
	return `${API_TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
}

export function hashApiToken(token: string): string {
	return createHash('sha256').update(token).digest('hex');
}

/** Whether a holder of `held` (roles or scopes) covers `scope`: admin covers every role, but not `tokens`. */
export function holdsScope(held: readonly string[], scope: TokenScope): boolean {
	return held.includes(scope) || (isRole(scope) && held.includes('admin'));
}

/**
 * The roles a request made with the token has: its scopes that are roles the owner still holds.
 * Computed at every request, so a role taken from the user is taken from their tokens too. No
 * scopes, no roles: a list left empty never means "everything".
 */
export function effectiveRoles(userRoles: readonly Role[], scopes: readonly string[]): Role[] {
	return scopes.filter(isRole).filter((scope) => holdsScope(userRoles, scope));
}

/** The token a request authenticated with, as `locals.apiToken` carries it. */
export interface RequestToken {
	id: string;
	scopes: TokenScope[];
	expiresAt: Date;
}

export interface ApiTokenSummary {
	id: string;
	name: string;
	scopes: TokenScope[];
	expiresAt: string;
	lastUsedAt: string | null;
	revokedAt: string | null;
	createdAt: string;
	/** The token whose request made this one, if a token made it. */
	createdByTokenId: string | null;
}

export interface CreatedApiToken {
	id: string;
	name: string;
	scopes: TokenScope[];
	expiresAt: string;
	/** Shown once, in the answer to the request that created it. */
	token: string;
}

export class TokenRequestError extends Error {
	override name = 'TokenRequestError';
	constructor(
		readonly status: 400 | 422,
		message: string,
		readonly errors: FieldError[]
	) {
		super(message);
	}
}

/** A token made before every token had an expiry lives the admin's maximum from its creation. */
const expiryOf = (row: { expiresAt: Date | null; createdAt: Date }, maxDays: number) => row.expiresAt ?? new Date(row.createdAt.getTime() + maxDays * DAY_MS);

/**
 * What a new token may be, for `owner` asking through a session or through the token `via`.
 * Without `scopes` it copies the token it was made with, or else the owner's roles; with them,
 * each must be held by the owner and by `via`. Throws TokenRequestError with field paths.
 */
export async function tokenGrant(
	owner: { roles: readonly Role[] },
	via: RequestToken | null,
	request: { scopes?: TokenScope[]; expiresInDays?: number },
	now = new Date()
): Promise<{ scopes: TokenScope[]; expiresAt: Date }> {
	const { tokens: policy } = await getSettings();
	let scopes: TokenScope[];
	if (request.scopes === undefined) {
		scopes = via ? [...via.scopes] : [...owner.roles];
	} else {
		if (!request.scopes.length) throw new TokenRequestError(422, 'A token needs at least one scope.', [{ path: 'scopes', message: 'list at least one scope: an empty list grants nothing; leave scopes out to copy yours' }]);
		const refused = request.scopes.flatMap((scope, index) => {
			// Through a token, the owner's roles are already narrowed to it: name the token as the limit.
			if (via && !holdsScope(via.scopes, scope)) return [{ path: `scopes[${index}]`, message: `the token this request came with does not carry ${scope}` }];
			if (scope !== MANAGE_TOKENS && !holdsScope(owner.roles, scope)) return [{ path: `scopes[${index}]`, message: `you do not hold the ${scope} role` }];
			return [];
		});
		if (refused.length) throw new TokenRequestError(400, 'A token can only carry what its owner, and the token that makes it, hold.', refused);
		scopes = request.scopes;
	}
	if (request.expiresInDays !== undefined && request.expiresInDays > policy.maxDays) {
		throw new TokenRequestError(422, 'The token would live longer than allowed.', [{ path: 'expiresInDays', message: `must be at most ${policy.maxDays} days (the admin's maximum)` }]);
	}
	let expiresAt = new Date(now.getTime() + (request.expiresInDays ?? policy.defaultDays) * DAY_MS);
	if (via && expiresAt > via.expiresAt) {
		if (request.expiresInDays !== undefined) {
			throw new TokenRequestError(422, 'The token would outlive the token that makes it.', [{ path: 'expiresInDays', message: `must end by ${via.expiresAt.toISOString()}, when the token this request came with expires` }]);
		}
		expiresAt = via.expiresAt;
	}
	return { scopes: [...new Set(scopes)].sort(), expiresAt };
}

export async function createApiToken(owner: { id: string; username: string }, grant: { name: string; scopes: TokenScope[]; expiresAt: Date }, via: RequestToken | null): Promise<CreatedApiToken> {
	const token = generateApiToken();
	return getDb().transaction(async (tx) => {
		const [row] = await tx
			.insert(apiTokens)
			.values({ userId: owner.id, name: grant.name, tokenHash: hashApiToken(token), scopes: grant.scopes, expiresAt: grant.expiresAt, createdByTokenId: via?.id ?? null })
			.returning({ id: apiTokens.id });
		await appendAudit(tx, {
			actor: owner.username,
			action: 'token.create',
			subject: `token:${row.id}`,
			details: { name: grant.name, scopes: grant.scopes, expiresAt: grant.expiresAt.toISOString(), ...(via ? { viaToken: via.id } : {}) }
		});
		return { id: row.id, name: grant.name, scopes: grant.scopes, expiresAt: grant.expiresAt.toISOString(), token };
	});
}

export async function listApiTokens(userId: string): Promise<ApiTokenSummary[]> {
	const [rows, { tokens: policy }] = await Promise.all([getDb().select().from(apiTokens).where(eq(apiTokens.userId, userId)).orderBy(desc(apiTokens.createdAt)), getSettings()]);
	return rows.map((row) => ({
		id: row.id,
		name: row.name,
		scopes: row.scopes as TokenScope[],
		expiresAt: expiryOf(row, policy.maxDays).toISOString(),
		lastUsedAt: row.lastUsedAt?.toISOString() ?? null,
		revokedAt: row.revokedAt?.toISOString() ?? null,
		createdAt: row.createdAt.toISOString(),
		createdByTokenId: row.createdByTokenId
	}));
}

export class ApiTokenNotFoundError extends Error {
	override name = 'ApiTokenNotFoundError';
}

export class ApiTokenRevokeRefusedError extends Error {
	override name = 'ApiTokenRevokeRefusedError';
}

/**
 * Revokes a token of the caller's own, or anyone's for an admin. Someone else's token answers as
 * not found, so ids cannot be probed. A request made with a token may revoke that token itself;
 * any other only if it carries the `tokens` scope. Revoking twice changes nothing and is not
 * audited twice.
 */
export async function revokeApiToken(id: string, caller: SessionUser, via: RequestToken | null): Promise<void> {
	const isAdmin = caller.roles.includes('admin');
	await getDb().transaction(async (tx) => {
		const [row] = await tx
			.select({ userId: apiTokens.userId, name: apiTokens.name, revokedAt: apiTokens.revokedAt, owner: users.username })
			.from(apiTokens)
			.innerJoin(users, eq(users.id, apiTokens.userId))
			.where(eq(apiTokens.id, id))
			.for('update');
		if (!row || (row.userId !== caller.id && !isAdmin)) throw new ApiTokenNotFoundError(`no token "${id}"`);
		if (via && via.id !== id && !via.scopes.includes(MANAGE_TOKENS)) {
			throw new ApiTokenRevokeRefusedError('a token may revoke only itself unless it carries the tokens scope; revoke others signed in, or with a token that carries it');
		}
		if (row.revokedAt) return;
		await tx.update(apiTokens).set({ revokedAt: new Date() }).where(eq(apiTokens.id, id));
		await appendAudit(tx, { actor: caller.username, action: 'token.revoke', subject: `token:${id}`, details: { name: row.name, owner: row.owner, ...(via ? { viaToken: via.id } : {}) } });
	});
}

export interface ValidApiToken {
	token: RequestToken;
	/** The owner, with `roles` already narrowed to the token's scopes. */
	user: SessionUser;
}

/** The token's owner and effective roles, or null for an unknown, malformed, revoked or expired token, or a disabled owner's. */
export async function validateApiToken(token: string, now = new Date()): Promise<ValidApiToken | null> {
	if (!TOKEN_PATTERN.test(token)) return null;
	const db = getDb();
	const [[row], { tokens: policy }] = await Promise.all([
		db
			.select({
				id: apiTokens.id,
				scopes: apiTokens.scopes,
				expiresAt: apiTokens.expiresAt,
				createdAt: apiTokens.createdAt,
				lastUsedAt: apiTokens.lastUsedAt,
				user: sessionUserColumns
			})
			.from(apiTokens)
			.innerJoin(users, and(eq(users.id, apiTokens.userId), isNull(users.disabledAt)))
			.where(and(eq(apiTokens.tokenHash, hashApiToken(token)), isNull(apiTokens.revokedAt))),
		getSettings()
	]);
	if (!row) return null;
	const expiresAt = expiryOf(row, policy.maxDays);
	if (expiresAt.getTime() <= now.getTime()) return null;
	if (!row.lastUsedAt || now.getTime() - row.lastUsedAt.getTime() >= LAST_USED_RESOLUTION_MS) {
		await db.update(apiTokens).set({ lastUsedAt: now }).where(eq(apiTokens.id, row.id));
	}
	const scopes = row.scopes as TokenScope[];
	// A script cannot change a password, so a reset one does not stop its tokens; disabling the user does.
	return { token: { id: row.id, scopes, expiresAt }, user: { ...row.user, roles: effectiveRoles(row.user.roles, scopes), mustChangePassword: false } };
}
