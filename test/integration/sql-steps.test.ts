import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunView } from '../../web/src/lib/run-types.ts';
import { loginAsAdmin, runEnded, type ApiClient } from '../helpers/api.ts';
import { createOwnedDatabase, withClient } from '../helpers/postgres.ts';
import { startWorker, type TestWorker } from '../helpers/worker.ts';

/** sql.check and sql.exec in real runs against a scratch database registered as a target. */
const suffix = randomBytes(3).toString('hex');
const target = `sql-${suffix}`;

describe('sql.check and sql.exec', () => {
	let admin: ApiClient;
	let worker: TestWorker;
	let url: string;

	/** A one-step runbook on the scratch target; `inputs` is the YAML of `spec.inputs`, if any. */
	const stepRunbook = (name: string, step: string, inputs?: string) =>
		`apiVersion: tend/v1\nkind: Runbook\nmetadata: { name: ${name}, title: SQL step }\nspec:\n  target: ${target}\n${inputs ? `  inputs: ${inputs}\n` : ''}  steps:\n    - ${step}\n`;
	/** Publishes a one-step runbook, runs it with `given` inputs and returns the ended run. */
	const runStep = async (step: string, inputs?: string, given: Record<string, unknown> = {}) => {
		const name = `sql-${suffix}-${randomBytes(3).toString('hex')}`;
		const published = await admin.send('POST', '/api/v1/runbooks', stepRunbook(name, step, inputs), 'application/yaml');
		expect(published.status, await published.clone().text()).toBe(201);
		const { status, body } = await admin.json<{ id: string }>('POST', `/api/v1/runbooks/${name}/runs`, { inputs: given });
		expect(status).toBe(201);
		return runEnded<RunView>(admin, body.id);
	};
	const cities = () => withClient(url, async (c) => (await c.query('select id, city from accounts order by id')).rows.map((r) => `${r.id} ${r.city}`));

	beforeAll(async () => {
		[admin, worker] = await Promise.all([loginAsAdmin(), startWorker()]);
		url = await createOwnedDatabase('sql_steps');
		await withClient(url, (c) => c.query("create table accounts (id int primary key, city text not null, opened date not null); insert into accounts values (1, 'Austin', '2024-01-02'), (2, 'Boston', '2024-03-04'), (3, 'Chicago', '2025-05-06')"));
		expect((await admin.json('PUT', `/api/v1/secrets/${target}-db`, { value: url })).status).toBe(204);
		const registered = await admin.send('POST', '/api/v1/targets', `apiVersion: tend/v1\nkind: Target\nmetadata: { name: ${target}, title: SQL scratch }\nspec:\n  databases:\n    main: { url: "secret:${target}-db" }\n`, 'application/yaml');
		expect([200, 201]).toContain(registered.status);
	});
	afterAll(async () => {
		await worker?.stop();
	});

	it('sql.exec changes rows through parameters and reports how many', async () => {
		const run = await runStep(`{ id: move, uses: sql.exec, risk: low, with: { database: main, query: "update accounts set city = $1 where opened < $2::date", params: ["Denver", "2025-01-01"] } }`);
		expect(run.status, run.error ?? '').toBe('succeeded');
		expect(run.steps[0].outputs).toEqual({ rowCount: 2 });
		expect(await cities()).toEqual(['1 Denver', '2 Denver', '3 Chicago']);
	});

	it('sql.check passes on a true first column and hands back the rows, JSON-safe', async () => {
		const run = await runStep(`{ id: check, uses: sql.check, with: { database: main, query: "select count(*) = 3 as ok, max(opened) as latest from accounts where id <= $1", params: [3] } }`);
		expect(run.status, run.error ?? '').toBe('succeeded');
		expect(run.steps[0].outputs).toEqual({ ok: true, rows: [{ ok: true, latest: expect.stringMatching(/^2025-05-0[56]T/) }] });
	});

	it('sql.check fails at once, showing the first row, when the first column is not true', async () => {
		const run = await runStep(`{ id: check, uses: sql.check, with: { database: main, query: "select city = 'Austin' as ok, city from accounts order by id" } }`);
		expect(run.status).toBe('failed');
		expect(run.steps[0]).toMatchObject({ status: 'failed', attempts: 1, error: 'sql.check failed: its first column is false; first row {"ok":false,"city":"Denver"} (of 3)' });
	});

	it('sql.check cannot write: a delete is refused by the read-only transaction, a second statement outright, and the transaction cannot be switched to read write', async () => {
		const before = await cities();
		const write = await runStep(`{ id: check, uses: sql.check, with: { database: main, query: "delete from accounts returning true" } }`);
		expect(write.steps[0]).toMatchObject({ status: 'failed', attempts: 1, error: expect.stringMatching(/cannot execute DELETE in a read-only transaction \[SQLSTATE 25006\]/) });
		// A literal second statement is refused at publish; one an input brings in, by PostgreSQL.
		const smuggled = await runStep(`{ id: check, uses: sql.check, with: { database: main, query: "\${{ inputs.sql }}" } }`, '{ sql: { type: string } }', { sql: 'select true; delete from accounts' });
		expect(smuggled.steps[0]).toMatchObject({ status: 'failed', error: expect.stringMatching(/cannot insert multiple commands into a prepared statement/) });
		const switched = await runStep(`{ id: check, uses: sql.check, with: { database: main, query: "set transaction read write" } }`);
		expect(switched.steps[0]).toMatchObject({ status: 'failed', error: expect.stringMatching(/transaction read-write mode must be set before any query/) });
		expect(await cities()).toEqual(before);
	});

	it('sql.exec takes one statement: two are refused at publish at the query line, and at run time, plainly and at once, when an input brings them', async () => {
		const twoStatements = 'update accounts set city = null; delete from accounts';
		const published = await admin.send('POST', '/api/v1/runbooks', stepRunbook(`sql-${suffix}-two`, `id: both\n      uses: sql.exec\n      risk: low\n      with:\n        database: main\n        query: "${twoStatements}"`), 'application/yaml');
		expect(published.status).toBe(422);
		const problem = (await published.json()) as { errors: Array<{ path: string; line: number; message: string }> };
		expect(problem.errors).toEqual([
			{ path: 'spec.steps[0].with.query', line: 12, column: expect.any(Number), message: expect.stringMatching(/^sql\.exec runs exactly one SQL statement, and this query holds 2 .*postgres\.migrate/) }
		]);

		const before = await cities();
		const run = await runStep(`{ id: both, uses: sql.exec, risk: low, with: { database: main, query: "\${{ inputs.sql }}" } }`, '{ sql: { type: string } }', { sql: twoStatements });
		expect(run.steps[0]).toMatchObject({
			status: 'failed',
			attempts: 1,
			error: 'sql.exec runs exactly one SQL statement, and this query holds more than one (PostgreSQL: cannot insert multiple commands into a prepared statement): give each statement a sql.exec step of its own, or put them in a migration bundle and apply it with postgres.migrate (one transaction, with a ledger and a down.sql)'
		});
		expect(await cities()).toEqual(before);
	});

	it('sql.check gives up on a slow query at its statement timeout', async () => {
		const run = await runStep(`{ id: check, uses: sql.check, retry: { maxAttempts: 1 }, with: { database: main, query: "select pg_sleep(5) is not null", statementTimeout: 200ms } }`);
		expect(run.steps[0]).toMatchObject({ status: 'failed', error: expect.stringMatching(/canceling statement due to statement timeout/) });
	});
});
