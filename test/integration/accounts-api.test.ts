import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, migrateDb } from '../../db/client.ts';
import { ensureAdmin, ensureRoles } from '../../dev/bootstrap.ts';
import { readFirstAdminPassword, writeFirstAdminPassword } from '../../shared/first-admin.ts';
import { verifyPassword } from '../../shared/passwords.ts';
import { anonymousClient, bearerClient, login, loginAsAdmin, type ApiClient } from '../helpers/api.ts';
import { appRows, createPerson, uniqueName } from '../helpers/people.ts';
import { createScratchDatabase } from '../helpers/postgres.ts';

interface Problem {
	detail?: string;
	errors?: Array<{ path: string; message: string }>;
	passwordChangeRequired?: boolean;
}
interface UserJson {
	user: { username: string; roles: string[]; manager: string | null; disabled: boolean; mustChangePassword: boolean; displayName: string };
}

const run = promisify(execFile);

describe('account lifecycle through the API', () => {
	let admin: ApiClient;
	beforeAll(async () => {
		admin = await loginAsAdmin();
	});

	it('changes one’s own password against the breached list and the strength estimate, and ends every other session', async () => {
		const person = await createPerson(admin, 'pat', ['viewer']);
		const laptop = await login(person.username, person.password);
		const change = (as: ApiClient, currentPassword: string, newPassword: string) => as.json<Problem>('POST', '/api/v1/me/password', { currentPassword, newPassword });

		const wrong = await change(person.api, 'not-my-password', 'zebra lamp orbit velvet');
		expect(wrong.status).toBe(403);
		expect(wrong.body.errors).toEqual([{ path: 'currentPassword', message: 'is wrong' }]);
		const breached = await change(person.api, person.password, 'password1234');
		expect(breached.status).toBe(422);
		expect(breached.body.errors?.[0]).toMatchObject({ path: 'newPassword', message: expect.stringMatching(/breaches/) });
		const weak = await change(person.api, person.password, 'qwertyuiopas');
		expect(weak.body.errors?.[0]).toMatchObject({ path: 'newPassword', message: expect.stringMatching(/too easy to guess/) });

		expect((await change(person.api, person.password, 'zebra lamp orbit velvet')).status).toBe(204);
		// This session goes on; the laptop's has ended.
		expect((await person.api.json('GET', '/api/v1/runs')).status).toBe(200);
		expect((await laptop.json('GET', '/api/v1/runs')).status).toBe(401);
		expect((await anonymousClient().request('POST', '/api/v1/session', { username: person.username, password: person.password })).status).toBe(401);
		await login(person.username, 'zebra lamp orbit velvet');
		expect(await appRows<{ details: { sessionsEnded: number } }>("select details from audit_log where action = 'user.password_change' and subject = $1", [`user:${person.username}`])).toEqual([{ details: { sessionsEnded: 1 } }]);
	});

	it('resets a password to a one-time one the person must replace first, ending their sessions', async () => {
		const person = await createPerson(admin, 'rex', ['viewer']);
		const reset = await admin.json<{ password: string; mustChangePassword: boolean }>('POST', `/api/v1/users/${person.username}/password-reset`);
		expect(reset.status).toBe(200);
		expect(reset.body.mustChangePassword).toBe(true);
		expect((await person.api.json('GET', '/api/v1/runs')).status).toBe(401);

		const signedIn = await login(person.username, reset.body.password);
		const held = await signedIn.json<Problem>('GET', '/api/v1/runs');
		expect(held.status).toBe(403);
		expect(held.body.passwordChangeRequired).toBe(true);
		expect((await signedIn.json<{ user: { mustChangePassword: boolean } }>('GET', '/api/v1/me')).body.user.mustChangePassword).toBe(true);
		// A page sends them to the password form, wherever they were going.
		const page = await signedIn.request('GET', '/runs');
		expect(page.status).toBe(303);
		expect(page.headers.get('location')).toBe('/account/password?next=%2Fruns');

		expect((await signedIn.json('POST', '/api/v1/me/password', { currentPassword: reset.body.password, newPassword: 'copper kettle meadow drift' })).status).toBe(204);
		expect((await signedIn.json('GET', '/api/v1/runs')).status).toBe(200);
		const [audit] = await appRows<{ actor: string; details: Record<string, unknown> }>("select actor, details from audit_log where action = 'user.password_reset' and subject = $1", [`user:${person.username}`]);
		expect(audit.actor).toBe('admin');
		expect(JSON.stringify(audit.details)).not.toContain(reset.body.password);
	});

	it('disables and re-enables a user: sign-in, sessions and tokens stop, then sign-in works again', async () => {
		const person = await createPerson(admin, 'dora', ['viewer']);
		const token = (await person.api.json<{ token: string }>('POST', '/api/v1/tokens', { name: 'dora script' })).body.token;
		expect((await bearerClient(token).json('GET', '/api/v1/runs')).status).toBe(200);

		const disabled = await admin.json<UserJson>('PATCH', `/api/v1/users/${person.username}`, { disabled: true });
		expect(disabled.body.user.disabled).toBe(true);
		expect((await person.api.json('GET', '/api/v1/runs')).status).toBe(401);
		expect((await bearerClient(token).json('GET', '/api/v1/runs')).status).toBe(401);
		const refused = await anonymousClient().json<Problem>('POST', '/api/v1/session', { username: person.username, password: person.password });
		expect(refused.status).toBe(403);
		expect(refused.body.detail).toMatch(/disabled/);

		expect((await admin.json<UserJson>('PATCH', `/api/v1/users/${person.username}`, { disabled: false })).body.user.disabled).toBe(false);
		await login(person.username, person.password);
		expect((await appRows<{ action: string }>('select action from audit_log where subject = $1 order by id', [`user:${person.username}`])).map((r) => r.action)).toEqual(['user.create', 'user.disable', 'user.enable']);
	});

	it('audits role changes with what was added and removed, keeps a manager, and never leaves Tend without an admin', async () => {
		const boss = await createPerson(admin, 'boss', ['viewer']);
		const person = await createPerson(admin, 'ivy', ['viewer'], { manager: boss.username });
		expect((await admin.json<UserJson>('GET', `/api/v1/users/${person.username}`)).body.user.manager).toBe(boss.username);

		const changed = await admin.json<UserJson>('PATCH', `/api/v1/users/${person.username}`, { roles: ['operator', 'approver'], manager: null, displayName: 'Ivy Ng' });
		expect(changed.body.user).toMatchObject({ roles: ['approver', 'operator'], manager: null, displayName: 'Ivy Ng' });
		const [roles] = await appRows<{ actor: string; details: Record<string, unknown> }>("select actor, details from audit_log where action = 'user.roles' and subject = $1", [`user:${person.username}`]);
		expect(roles).toEqual({ actor: 'admin', details: { from: ['viewer'], to: ['approver', 'operator'], added: ['approver', 'operator'], removed: ['viewer'] } });
		// The role change holds at once for the person's open session.
		expect((await person.api.json('GET', '/api/v1/approvals')).status).toBe(200);

		const self = await admin.json<Problem>('PATCH', '/api/v1/users/admin', { disabled: true });
		expect(self.status).toBe(409);
		expect(self.body.errors?.[0].path).toBe('disabled');
		expect((await admin.json<Problem>('PATCH', `/api/v1/users/${person.username}`, { manager: person.username })).status).toBe(409);
		expect((await admin.json<Problem>('PATCH', `/api/v1/users/${person.username}`, { manager: 'nobody-at-all' })).body.errors?.[0].path).toBe('manager');
		expect((await admin.json<Problem>('PATCH', `/api/v1/users/${person.username}`, { roles: [] })).status).toBe(422);
		expect((await admin.json<Problem>('PATCH', '/api/v1/users/nobody-at-all', { roles: ['viewer'] })).status).toBe(404);
		expect((await person.api.json('PATCH', `/api/v1/users/${person.username}`, { roles: ['admin'] })).status).toBe(403);
	});

	it('refuses to take the admin role from the last enabled admin', async () => {
		// Other files add admins to this shared stack: disabled for the moment, so admin is the last, and enabled again after.
		const others = (await appRows<{ username: string }>("select u.username from users u join user_roles r on r.user_id = u.id where r.role = 'admin' and u.disabled_at is null and u.username <> 'admin'")).map((r) => r.username);
		try {
			for (const username of others) expect((await admin.json('PATCH', `/api/v1/users/${username}`, { disabled: true })).status).toBe(200);
			const refused = await admin.json<Problem>('PATCH', '/api/v1/users/admin', { roles: ['viewer'] });
			expect(refused.status).toBe(409);
			expect(refused.body.errors?.[0]).toEqual({ path: 'roles', message: 'this is the last enabled admin: make someone else an admin first' });
			expect((await admin.json<UserJson>('GET', '/api/v1/users/admin')).body.user.roles).toEqual(['admin']);
		} finally {
			for (const username of others) await admin.json('PATCH', `/api/v1/users/${username}`, { disabled: false });
		}
		const second = await createPerson(admin, 'adam', ['admin']);
		expect((await second.api.json<UserJson>('PATCH', `/api/v1/users/${second.username}`, { roles: ['viewer'] })).body.user.roles).toEqual(['viewer']);
	});

	it('ends a session at its absolute lifetime however recently it was used', async () => {
		const person = await createPerson(admin, 'sid', ['viewer']);
		expect((await person.api.json('GET', '/api/v1/runs')).status).toBe(200);
		await appRows("update sessions set created_at = now() - interval '31 days' where user_id = (select id from users where username = $1)", [person.username]);
		expect((await person.api.json('GET', '/api/v1/runs')).status).toBe(401);
		expect(await appRows('select 1 from sessions where user_id = (select id from users where username = $1)', [person.username])).toEqual([]);
	});

	it('resets a password from the command line on the local install, printing the one-time password last', async () => {
		const person = await createPerson(admin, 'cli', ['viewer']);
		const { stdout } = await run(process.execPath, ['--import', 'tsx', 'cli/main.ts', 'admin', 'reset-password', person.username], { env: { ...process.env, TEND_HOME: process.env.TEST_HOME } });
		const lines = stdout.trim().split('\n');
		const password = lines.at(-1)!;
		expect(lines[0]).toContain(`Reset the password of ${person.username}`);
		expect((await person.api.json('GET', '/api/v1/runs')).status).toBe(401);
		const signedIn = await login(person.username, password);
		expect((await signedIn.json<Problem>('GET', '/api/v1/runs')).body.passwordChangeRequired).toBe(true);
		const unknown = await run(process.execPath, ['--import', 'tsx', 'cli/main.ts', 'admin', 'reset-password', 'nobody-at-all'], { env: { ...process.env, TEND_HOME: process.env.TEST_HOME } }).catch((error: { code: number; stderr: string }) => error);
		expect(unknown).toMatchObject({ code: 1, stderr: expect.stringContaining('no user named "nobody-at-all"') });
	});

	it('deletes the kept first-admin password once that admin has signed in', async () => {
		const username = uniqueName('first');
		const password = randomBytes(15).toString('base64url');
		expect((await admin.json('POST', '/api/v1/users', { username, password, roles: ['admin'], mustChangePassword: true })).status).toBe(201);
		writeFirstAdminPassword(process.env.TEST_HOME!, username, password);
		await login(username, password);
		expect(readFirstAdminPassword(process.env.TEST_HOME!)).toBeNull();
	});
});

describe('the first admin of a new install', () => {
	let home: string;
	afterAll(() => rmSync(home, { recursive: true, force: true }));

	it('gets a generated password that is stored hashed, kept in an owner-only file until first sign-in, and must be changed', async () => {
		home = mkdtempSync(join(tmpdir(), 'tend-first-admin-'));
		const db = createDb(await createScratchDatabase('first_admin'), { max: 2 });
		try {
			await migrateDb(db);
			await ensureRoles(db);
			const first = await ensureAdmin(db, home);
			expect(first).toMatchObject({ username: 'admin', generated: true });
			const kept = readFirstAdminPassword(home);
			expect(kept).toEqual({ username: 'admin', password: first.password });
			expect(statSync(join(home, 'first-admin-password')).mode & 0o777).toBe(0o600);
			const [row] = await db.$client.query('select password_hash, must_change_password from users where username = $1', ['admin']).then((r) => r.rows);
			expect(row.password_hash).not.toContain(first.password!);
			expect(await verifyPassword(row.password_hash, first.password!)).toBe(true);
			expect(row.must_change_password).toBe(true);
			// A start after a failed first one finds the admin and prints the same password again.
			expect(await ensureAdmin(db, home)).toEqual({ username: 'admin', password: first.password, generated: true });
		} finally {
			await db.$client.end();
		}
	});
});
