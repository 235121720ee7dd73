import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, migrateDb } from '../../db/client.ts';
import { ensureRoles } from '../../dev/bootstrap.ts';
import { provisionAppDatabase } from '../../dev/database-roles.ts';
import { appendAudit } from '../../shared/audit.ts';
import { postgresMaintain } from '../../activities/postgres-maintain.ts';
import { sqlCheck } from '../../activities/sql-check.ts';
import { sqlExec } from '../../activities/sql-exec.ts';
import type { ActivityDeps, StepContext } from '../../activities/step-context.ts';
import type { TargetConnections } from '../../shared/target-connections.ts';
import { loginAsAdmin, type ApiClient } from '../helpers/api.ts';
import { adminUrl, createOwnedDatabase, createScratchDatabase, urlFor, withClient } from '../helpers/postgres.ts';
import { attempt, newRun, registerTarget, stepDeps } from '../helpers/step-activities.ts';

/**
 * Issue 12, hole 3: a read-only check ran operating-system commands because the demo target
 * connected as the superuser of the cluster that also holds Tend's own database. Tend's own
 * database and a maintained one now never share a superuser login, and a step refuses a login
 * it does not need.
 */
const loginOf = (url: string) => decodeURIComponent(new URL(url).username);
const rolesOf = (url: string) =>
	withClient(url, async (c) => (await c.query<{ user: string; superuser: boolean }>('select current_user as user, rolsuper as superuser from pg_roles where rolname = current_user')).rows[0]);

describe('least-privilege logins: Tend and its targets never share a superuser', () => {
	let deps: ActivityDeps;
	let admin: ApiClient;
	let folder: string;
	const context = async (target: string, stepId = 'check'): Promise<StepContext> => ({ runId: await newRun(deps, target), stepId, target });
	/** A file the server would create if a query reached its programs. */
	const canary = () => join(tmpdir(), `tend-hole3-${randomUUID()}`);
	const copyToProgram = (file: string) => `copy (select 1) to program 'touch ${file}'`;

	beforeAll(async () => {
		deps = stepDeps();
		admin = await loginAsAdmin();
		folder = mkdtempSync(join(tmpdir(), 'tend-logins-'));
	});
	afterAll(async () => {
		await deps?.db.$client.end();
		if (folder) rmSync(folder, { recursive: true, force: true });
	});

	it("runs Tend as its own database's owner, not a superuser, and keeps the targets' logins out of it", async () => {
		const app = await rolesOf(deps.config.DATABASE_URL);
		expect(app).toEqual({ user: 'tend_app', superuser: false });
		const owned = await withClient(adminUrl(), async (c) => {
			const database = (await c.query<{ owner: string }>(`select pg_get_userbyid(datdba) as owner from pg_database where datname = 'tend'`)).rows[0].owner;
			return database;
		});
		expect(owned).toBe('tend_app');
		// Every table of Tend's own is the app's (an install made before these logins gave them over at its next start).
		const others = await withClient(deps.config.DATABASE_URL, async (c) =>
			(await c.query(`select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace where c.relkind in ('r', 'p') and n.nspname not in ('pg_catalog', 'information_schema') and c.relowner <> 'tend_app'::regrole`)).rows
		);
		expect(others).toEqual([]);

		for (const url of [process.env.TEST_CRM_DATABASE_URL!, process.env.TEST_CRM_READ_URL!, process.env.TEST_CRM_BACKUP_URL!]) {
			expect((await rolesOf(url)).superuser).toBe(false);
			const intoTend = new URL(url);
			intoTend.pathname = '/tend';
			await expect(withClient(intoTend.toString(), (c) => c.query('select count(*) from users'))).rejects.toMatchObject({ code: '42501' });
		}
	});

	it('hands an install made by the previous version to the owner login at the next start, and that twice', async () => {
		// As the previous version left it: Tend's database created, migrated and written by the cluster superuser.
		const oldUrl = await createScratchDatabase('upgrade');
		const old = createDb(oldUrl, { max: 1 });
		await migrateDb(old);
		await ensureRoles(old);
		await old.$client.end();
		const database = decodeURIComponent(new URL(oldUrl).pathname.slice(1));
		const superuser = new URL(adminUrl());
		const provision = { superuserUrl: adminUrl(), superuser: decodeURIComponent(superuser.username), rootPassword: decodeURIComponent(superuser.password) };
		const login = `app_${database.slice(-12)}`;
		const appUrl = await provisionAppDatabase(provision, database, login);
		expect(await provisionAppDatabase(provision, database, login)).toBe(appUrl);

		const owners = await withClient(oldUrl, async (c) =>
			(
				await c.query<{ owner: string; n: number }>(
					`select pg_get_userbyid(c.relowner) as owner, count(*)::int as n from pg_class c join pg_namespace n on n.oid = c.relnamespace
					  where c.relkind in ('r', 'p', 'S', 'v') and n.nspname not in ('pg_catalog', 'information_schema') and n.nspname not like 'pg_toast%' group by 1`
				)
			).rows
		);
		expect(owners).toEqual([{ owner: login, n: expect.any(Number) }]);
		// The new version migrates and writes as the owner login: the audit trigger (owned by it now) still guards the log.
		const app = createDb(appUrl, { max: 1 });
		try {
			await migrateDb(app);
			await app.transaction((tx) => appendAudit(tx, { actor: 'test', action: 'test.upgrade', subject: 'db', details: {} }));
			await expect(app.$client.query('delete from audit_log')).rejects.toMatchObject({ code: '42501' });
			expect((await rolesOf(appUrl)).superuser).toBe(false);
		} finally {
			await app.$client.end();
		}
		const readerIntoIt = new URL(process.env.TEST_CRM_READ_URL!);
		readerIntoIt.pathname = `/${database}`;
		await expect(withClient(readerIntoIt.toString(), (c) => c.query('select 1'))).rejects.toMatchObject({ code: '42501' });
	});

	it('refuses, as a step error, a check on the demo target that copies to a program or reads a server file', async () => {
		const file = canary();
		const program = attempt(sqlCheck, deps, await context('crm-demo'), { database: 'main', query: copyToProgram(file) });
		await expect(program.result).rejects.toMatchObject({ type: 'SqlError', nonRetryable: true, message: expect.stringMatching(/^sql\.check: .*pg_execute_server_program.*\[SQLSTATE 42501\]$/) });
		expect(existsSync(file)).toBe(false);

		const read = attempt(sqlCheck, deps, await context('crm-demo'), { database: 'main', query: "select pg_read_file('/etc/hostname') is not null" });
		await expect(read.result).rejects.toMatchObject({ type: 'SqlError', nonRetryable: true, message: expect.stringMatching(/^sql\.check: permission denied for function pg_read_file \[SQLSTATE 42501\]$/) });

		// What a check is for still works, as the demo's read login.
		const ok = attempt(sqlCheck, deps, await context('crm-demo'), { database: 'main', query: 'select count(*) > 0 as ok, current_user as login from customers' });
		await expect(ok.result).resolves.toEqual({ ok: true, rows: [{ ok: true, login: 'crm_demo_reader' }] });
	});

	it('refuses a superuser login for steps that do not need one, unless the target allows it; a check never runs as one', async () => {
		const scratch = await createOwnedDatabase('logins');
		const asSuperuser = urlFor(decodeURIComponent(new URL(scratch).pathname.slice(1)));
		const strict = await registerTarget(deps, asSuperuser, folder);

		const file = canary();
		const check = attempt(sqlCheck, deps, await context(strict), { database: 'main', query: copyToProgram(file) });
		await expect(check.result).rejects.toMatchObject({ type: 'ServerAccessRefused', nonRetryable: true, message: expect.stringContaining('sql.check refuses to run as "tend"') });
		expect(existsSync(file)).toBe(false);
		const exec = attempt(sqlExec, deps, await context(strict, 'exec'), { database: 'main', query: 'select 1' });
		await expect(exec.result).rejects.toMatchObject({ type: 'SuperuserRefused', message: expect.stringContaining('set allowSuperuser: true') });
		const maintain = attempt(postgresMaintain, deps, await context(strict, 'maintain'), { database: 'main', vacuum: true });
		await expect(maintain.result).rejects.toMatchObject({ type: 'SuperuserRefused' });

		// allowSuperuser lets maintenance use it; a check still refuses it — but runs as the read login the target names.
		const allowed = await registerTarget(deps, asSuperuser, folder, { allowSuperuser: true });
		await expect(attempt(sqlExec, deps, await context(allowed, 'exec'), { database: 'main', query: 'select 1' }).result).resolves.toMatchObject({ rowCount: 1 });
		await expect(attempt(sqlCheck, deps, await context(allowed), { database: 'main', query: copyToProgram(file) }).result).rejects.toMatchObject({ type: 'ServerAccessRefused' });
		const withReader = await registerTarget(deps, asSuperuser, folder, { allowSuperuser: true, roles: { read: scratch } });
		await expect(attempt(sqlCheck, deps, await context(withReader), { database: 'main', query: 'select true' }).result).resolves.toMatchObject({ ok: true });
		await expect(attempt(sqlCheck, deps, await context(withReader), { database: 'main', query: copyToProgram(file) }).result).rejects.toMatchObject({ type: 'SqlError' });
		expect(existsSync(file)).toBe(false);
	});

	it('refuses a read login that may run server programs even though it is no superuser', async () => {
		const scratch = await createOwnedDatabase('programs');
		const login = loginOf(scratch);
		await withClient(adminUrl(), (c) => c.query(`grant pg_execute_server_program to ${pg.escapeIdentifier(login)}`));
		const target = await registerTarget(deps, scratch, folder);
		const file = canary();
		const check = attempt(sqlCheck, deps, await context(target), { database: 'main', query: copyToProgram(file) });
		await expect(check.result).rejects.toMatchObject({ type: 'ServerAccessRefused', message: expect.stringContaining('pg_execute_server_program') });
		expect(existsSync(file)).toBe(false);
	});

	it('flags a superuser in the test-connection result, and shows the demo as least-privilege', async () => {
		const demo = await admin.json<TargetConnections>('POST', '/api/v1/targets/crm-demo/test');
		expect(demo.status).toBe(200);
		const [main] = demo.body.databases;
		expect(main).toMatchObject({ ok: true, user: 'crm_demo_owner', superuser: false, serverAccess: false });
		expect(main.roles).toEqual([
			{ purpose: 'read', ok: true, user: 'crm_demo_reader', superuser: false, serverAccess: false },
			{ purpose: 'backup', ok: true, user: 'crm_demo_backup', superuser: false, serverAccess: false },
			{ purpose: 'owner', ok: true, user: 'crm_demo_owner', superuser: false, serverAccess: false }
		]);
		expect(main.warnings).toBeUndefined();

		const scratch = await createOwnedDatabase('flagged');
		const allowed = await registerTarget(deps, urlFor(decodeURIComponent(new URL(scratch).pathname.slice(1))), folder, { allowSuperuser: true });
		const flagged = await admin.json<TargetConnections>('POST', `/api/v1/targets/${allowed}/test`);
		expect(flagged.status, JSON.stringify(flagged.body)).toBe(200);
		expect(flagged.body.databases[0]).toMatchObject({ ok: true, superuser: true, allowSuperuser: true });
		expect(flagged.body.databases[0].warnings).toEqual([
			'url connects as "tend", a superuser; allowSuperuser: true lets steps use it',
			`sql.check refuses "tend": that login can reach the server's files or programs; give the database a read login (roles.read) without them`
		]);
	});
});
