import { randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { bearerClient, login, loginAsAdmin, type ApiClient } from '../helpers/api.ts';
import { withClient } from '../helpers/postgres.ts';

interface CreatedToken {
	id: string;
	name: string;
	scopes: string[];
	expiresAt: string | null;
	token: string;
}
interface TokenList {
	tokens: Array<{ id: string; name: string; scopes: string[]; lastUsedAt: string | null; revokedAt: string | null }>;
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

		// Without scopes a token acts as its owner, and a bearer call needs no Origin header.
		const full = await create(admin, { name: 'full' });
		expect(full.body.scopes).toEqual([]);
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
