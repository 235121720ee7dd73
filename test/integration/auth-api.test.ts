import { randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { anonymousClient, login, loginAsAdmin, type ApiClient } from '../helpers/api.ts';
import { withClient } from '../helpers/postgres.ts';

const sessionCount = () =>
	withClient(process.env.TEST_APP_DATABASE_URL!, async (c) => Number((await c.query('select count(*) as n from sessions')).rows[0].n));

describe('sign-in and role checks on the real web app', () => {
	let admin: ApiClient;
	let viewer: ApiClient;
	const viewerPassword = randomBytes(12).toString('base64url');

	beforeAll(async () => {
		admin = await loginAsAdmin();
		const created = await admin.json('POST', '/api/v1/users', { username: 'vera-viewer', password: viewerPassword, roles: ['viewer'], email: 'vera@example.test' });
		expect(created.status).toBe(201);
		viewer = await login('vera-viewer', viewerPassword);
	});

	it('answers a wrong password with 401, no cookie and no new session', async () => {
		const before = await sessionCount();
		const response = await anonymousClient().request('POST', '/api/v1/session', { username: 'admin', password: 'not-the-password' });
		expect(response.status).toBe(401);
		expect(response.headers.get('content-type')).toContain('application/problem+json');
		expect(response.headers.getSetCookie()).toEqual([]);
		expect(await sessionCount()).toBe(before);
	});

	it('answers an unknown user exactly like a wrong password', async () => {
		const response = await anonymousClient().request('POST', '/api/v1/session', { username: 'nobody-here', password: 'whatever-it-is' });
		expect(response.status).toBe(401);
		expect((await response.json()).detail).toBe('Wrong username or password.');
	});

	it('names the missing field of a malformed sign-in', async () => {
		const { status, body } = await anonymousClient().json<{ errors: Array<{ path: string }> }>('POST', '/api/v1/session', { username: 'admin' });
		expect(status).toBe(422);
		expect(body.errors.map((e) => e.path)).toContain('password');
	});

	it('refuses API calls without a session with 401', async () => {
		expect((await anonymousClient().request('GET', '/api/v1/runs')).status).toBe(401);
	});

	it('sends a signed-out browser to the login page', async () => {
		const response = await anonymousClient().request('GET', '/runs');
		expect(response.status).toBe(303);
		expect(response.headers.get('location')).toMatch(/^\/login/);
	});

	it('gives a viewer 403 on admin-only API routes and pages, and creates nothing', async () => {
		expect((await viewer.request('GET', '/api/v1/users')).status).toBe(403);
		const attempt = await viewer.json<{ detail: string }>('POST', '/api/v1/users', { username: 'sneaky', password: 'long-enough-password', roles: ['admin'] });
		expect(attempt.status).toBe(403);
		expect(attempt.body.detail).toMatch(/admin/);
		expect((await viewer.request('GET', '/admin/users')).status).toBe(403);
		const users = await admin.json<{ users: Array<{ username: string }> }>('GET', '/api/v1/users');
		expect(users.body.users.map((u) => u.username)).not.toContain('sneaky');
	});

	it('lets a viewer read runs but not start one or publish a runbook', async () => {
		expect((await viewer.request('GET', '/api/v1/runs')).status).toBe(200);
		expect((await viewer.request('POST', '/api/v1/runbooks/crm-nightly-backup/runs', { inputs: {} })).status).toBe(403);
		expect((await viewer.send('POST', '/api/v1/runbooks', 'kind: Runbook', 'application/yaml')).status).toBe(403);
	});

	it('never returns password hashes', async () => {
		const text = await (await admin.request('GET', '/api/v1/users')).text();
		expect(text).not.toMatch(/argon2|passwordHash|password_hash/);
	});
});
