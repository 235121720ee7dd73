import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearerClient, login, loginAsAdmin, type ApiClient } from '../helpers/api.ts';
import { withClient } from '../helpers/postgres.ts';

interface CreatedToken {
	id: string;
	name: string;
	scopes: string[];
	expiresAt: string;
	token: string;
}
interface TokenList {
	tokens: Array<{ id: string; name: string; scopes: string[]; expiresAt: string; lastUsedAt: string | null; revokedAt: string | null; createdByTokenId: string | null }>;
}
interface Problem {
	title: string;
	errors?: Array<{ path: string; message: string }>;
}

const auditActions = (subject: string) =>
	withClient(process.env.TEST_APP_DATABASE_URL!, async (c) => (await c.query('select action, actor from audit_log where subject = $1 order by id', [subject])).rows);

describe('API tokens', () => {
	let admin: ApiClient;
	let viewer: ApiClient;

	beforeAll(async () => {
		admin = await loginAsAdmin();
		const password = randomBytes(12).toString('base64url');
		expect((await admin.json('POST', '/api/v1/users', { username: 'tess', password, roles: ['viewer'], email: 'tess@example.test' })).status).toBe(201);
		viewer = await login('tess', password);
	});

	const create = (as: ApiClient, body: Record<string, unknown>) => as.json<CreatedToken & Problem>('POST', '/api/v1/tokens', body);

	it('creates a token shown once, narrows it to its scopes, lists it without the secret, and stops it on revoke', async () => {
		const created = await create(admin, { name: 'read-only script', scopes: ['viewer'], expiresInDays: 30 });
		expect(created.status).toBe(201);
		expect(created.body).toMatchObject({ name: 'read-only script', scopes: ['viewer'] });
		expect(created.body.token).toMatch(/^tend_[A-Za-z0-9_-]{43}$/);
		expect(new Date(created.body.expiresAt!).getTime()).toBeGreaterThan(Date.now() + 29 * 86_400_000);
		const scoped = bearerClient(created.body.token);

		// An admin's token scoped to viewer reads what a viewer reads and nothing an admin alone may.
		expect((await scoped.json('GET', '/api/v1/runs')).status).toBe(200);
		const me = await scoped.json<{ user: { username: string; roles: string[] } }>('GET', '/api/v1/me');
		expect(me.body.user).toMatchObject({ username: 'admin', roles: ['viewer'] });
		expect((await scoped.json('GET', '/api/v1/users')).status).toBe(403);

		// Without scopes a token made signed in carries the owner's roles, written out; a bearer call needs no Origin header.
		const full = await create(admin, { name: 'full' });
		expect(full.body.scopes).toEqual(['admin']);
		expect((await bearerClient(full.body.token).json('GET', '/api/v1/users')).status).toBe(200);

		const listed = await admin.request('GET', '/api/v1/tokens');
		const text = await listed.text();
		expect(text).not.toContain(created.body.token);
		expect(text).not.toMatch(/hash/i);
		const entry = (JSON.parse(text) as TokenList).tokens.find((t) => t.id === created.body.id);
		expect(entry).toMatchObject({ name: 'read-only script', scopes: ['viewer'], revokedAt: null });
		expect(entry?.lastUsedAt).not.toBeNull();

		expect((await admin.request('DELETE', `/api/v1/tokens/${created.body.id}`)).status).toBe(204);
		const refused = await scoped.request('GET', '/api/v1/runs');
		expect(refused.status).toBe(401);
		expect(refused.headers.get('content-type')).toMatch(/^application\/problem\+json/);
		// Revoking again changes nothing and writes no second audit entry.
		expect((await admin.request('DELETE', `/api/v1/tokens/${created.body.id}`)).status).toBe(204);
		expect(await auditActions(`token:${created.body.id}`)).toEqual([
			{ action: 'token.create', actor: 'admin' },
			{ action: 'token.revoke', actor: 'admin' }
		]);
	});

	it('refuses a scope the owner does not hold, with its field path', async () => {
		const refused = await create(viewer, { name: 'too much', scopes: ['viewer', 'author'] });
		expect(refused.status).toBe(400);
		expect(refused.body.errors).toEqual([{ path: 'scopes[1]', message: 'you do not hold the author role' }]);
		const malformed = await create(viewer, { name: '', scopes: ['wizard'] });
		expect(malformed.status).toBe(422);
		expect(malformed.body.errors?.map((e) => e.path).sort()).toEqual(['name', 'scopes[0]']);
	});

	it('lets a scoped token mint only tokens as narrow as itself', async () => {
		const scoped = bearerClient((await create(admin, { name: 'narrow', scopes: ['viewer'] })).body.token);
		const minted = await create(scoped, { name: 'minted' });
		expect(minted).toMatchObject({ status: 201, body: { scopes: ['viewer'] } });
		expect((await bearerClient(minted.body.token).json('GET', '/api/v1/users')).status).toBe(403);
		expect((await create(scoped, { name: 'wider', scopes: ['admin'] })).status).toBe(400);
	});

	it('lets only the owner or an admin revoke a token', async () => {
		const own = await create(viewer, { name: 'tess laptop' });
		expect((await bearerClient(own.body.token).json('GET', '/api/v1/runs')).status).toBe(200);
		const mine = await create(admin, { name: 'admin laptop' });
		expect((await viewer.request('DELETE', `/api/v1/tokens/${mine.body.id}`)).status).toBe(404);
		expect((await bearerClient(mine.body.token).json('GET', '/api/v1/users')).status).toBe(200);
		expect((await admin.request('DELETE', `/api/v1/tokens/${own.body.id}`)).status).toBe(204);
		expect((await bearerClient(own.body.token).json('GET', '/api/v1/runs')).status).toBe(401);
		const tessTokens = (await viewer.json<TokenList>('GET', '/api/v1/tokens')).body.tokens;
		expect(tessTokens.map((t) => t.name)).toEqual(['tess laptop']);
		expect(tessTokens[0].revokedAt).not.toBeNull();
	});
});

describe('a token never makes a token wider than itself (issue 12, hole 1)', () => {
	let admin: ApiClient;
	const DAY = 86_400_000;
	const create = (as: ApiClient, body: Record<string, unknown>) => as.json<CreatedToken & Problem>('POST', '/api/v1/tokens', body);

	beforeAll(async () => {
		admin = await loginAsAdmin();
	});
	afterAll(async () => {
		await admin.json('PUT', '/api/v1/settings', { tokens: { defaultDays: 90, maxDays: 365 } });
	});

	it('refuses an empty scope list from a viewer-scoped token instead of minting an admin one', async () => {
		const viewerToken = bearerClient((await create(admin, { name: 'hole-1 viewer', scopes: ['viewer'] })).body.token);
		// The attack as found: `"scopes": []` answered 201 with a token acting as the admin owner, with no expiry.
		const attack = await create(viewerToken, { name: 'escalate', scopes: [] });
		expect(attack.status).toBe(422);
		expect(attack.body.errors?.map((e) => e.path)).toEqual(['scopes']);
		const wider = await create(viewerToken, { name: 'escalate', scopes: ['admin'] });
		expect(wider.status).toBe(400);
		expect(wider.body.errors).toEqual([{ path: 'scopes[0]', message: 'the token this request came with does not carry admin' }]);
		// Left out, the scopes copy the making token's, and the child is still only a viewer.
		const copy = await create(viewerToken, { name: 'copy' });
		expect(copy).toMatchObject({ status: 201, body: { scopes: ['viewer'] } });
		expect((await bearerClient(copy.body.token).json('GET', '/api/v1/users')).status).toBe(403);
		const listed = (await admin.json<TokenList>('GET', '/api/v1/tokens')).body.tokens.find((t) => t.id === copy.body.id);
		expect(listed?.createdByTokenId).not.toBeNull();
	});

	it('gives every token an expiry by the admin’s default, within the admin’s maximum and the making token’s own', async () => {
		expect((await admin.json('PUT', '/api/v1/settings', { tokens: { defaultDays: 7, maxDays: 30 } })).status).toBe(200);
		const byDefault = await create(admin, { name: 'default expiry', scopes: ['viewer'] });
		const days = (iso: string) => (new Date(iso).getTime() - Date.now()) / DAY;
		expect(days(byDefault.body.expiresAt)).toBeGreaterThan(6.9);
		expect(days(byDefault.body.expiresAt)).toBeLessThanOrEqual(7);
		const tooLong = await create(admin, { name: 'forever', scopes: ['viewer'], expiresInDays: 31 });
		expect(tooLong.status).toBe(422);
		expect(tooLong.body.errors).toEqual([{ path: 'expiresInDays', message: 'must be at most 30 days (the admin\'s maximum)' }]);

		const parent = await create(admin, { name: 'short parent', scopes: ['viewer'], expiresInDays: 2 });
		const child = await create(bearerClient(parent.body.token), { name: 'child' });
		expect(child.body.expiresAt).toBe(parent.body.expiresAt);
		expect((await create(bearerClient(parent.body.token), { name: 'outliving child', expiresInDays: 5 })).status).toBe(422);
		// An admin reads the policy back.
		expect((await admin.json('GET', '/api/v1/settings')).body).toMatchObject({ tokens: { defaultDays: 7, maxDays: 30 } });
	});

	it('lets a token revoke itself, and its owner’s others only when it carries the tokens scope', async () => {
		const other = await create(admin, { name: 'other laptop', scopes: ['viewer'] });
		const plain = await create(admin, { name: 'plain script', scopes: ['viewer'] });
		const refused = await bearerClient(plain.body.token).json<Problem & { detail: string }>('DELETE', `/api/v1/tokens/${other.body.id}`);
		expect(refused.status).toBe(403);
		expect((await bearerClient(other.body.token).json('GET', '/api/v1/runs')).status).toBe(200);

		const manager = await create(admin, { name: 'token manager', scopes: ['viewer', 'tokens'] });
		expect((await bearerClient(manager.body.token).request('DELETE', `/api/v1/tokens/${other.body.id}`)).status).toBe(204);
		expect((await bearerClient(other.body.token).json('GET', '/api/v1/runs')).status).toBe(401);
		expect((await bearerClient(plain.body.token).request('DELETE', `/api/v1/tokens/${plain.body.id}`)).status).toBe(204);
		expect((await bearerClient(plain.body.token).json('GET', '/api/v1/runs')).status).toBe(401);
		// The tokens scope is not a role: alone it reads nothing.
		const onlyManage = await create(admin, { name: 'only manage', scopes: ['tokens'] });
		expect((await bearerClient(onlyManage.body.token).json('GET', '/api/v1/runs')).status).toBe(403);
	});
});
