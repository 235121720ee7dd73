import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, migrateDb, type Db } from '../../db/client.ts';
import { startAuditSealer } from '../../shared/audit-sealer.ts';
import { appendAudit, auditEntryHash, sealAuditLog, verifyAuditChain, type AuditRecord } from '../../shared/audit.ts';
import { eventually, login, loginAsAdmin, type ApiClient } from '../helpers/api.ts';
import { lockedAppend, migrateUntil } from '../helpers/audit-chain.ts';
import { createScratchDatabase, withClient } from '../helpers/postgres.ts';

const record = (n: number): AuditRecord => ({ actor: `user-${n % 3}`, action: 'test.append', subject: `thing:${n}`, details: { n, nested: { b: [1, 2], a: 'x' } } });

interface Row {
	id: number;
	seq: number | null;
	actor: string;
}
const rowsOf = (db: Db) => db.$client.query<Row>('select id::int, seq::int, actor from audit_log order by id').then((r) => r.rows);

/** A connection that skips ordinary triggers (superuser only): how an attacker with the database would edit the log. */
const asTamperer = (db: Db, statement: string, params: unknown[]) =>
	withClient(db.$client.options.connectionString!, async (client) => {
		await client.query('set session_replication_role = replica');
		await client.query(statement, params);
	});

/** Scratch databases migrated like Tend's own, so these tests can edit and break the log freely. */
async function freshLog(): Promise<Db> {
	const db = createDb(await createScratchDatabase('audit'), { max: 60 });
	await migrateDb(db);
	return db;
}

describe('the audit log: lock-free appends, a sealed hash chain, append-only in the database', () => {
	const dbs: Db[] = [];
	const fresh = async () => {
		const db = await freshLog();
		dbs.push(db);
		return db;
	};
	afterAll(async () => {
		await Promise.all(dbs.map((db) => db.$client.end()));
	});

	it('takes 50 concurrent appends without a lock, then seals them into one gapless chain', async () => {
		const db = await fresh();
		await Promise.all(Array.from({ length: 50 }, (_, n) => db.transaction((tx) => appendAudit(tx, record(n)))));
		expect(await verifyAuditChain(db)).toEqual({ ok: true, entries: 0, firstBadId: null, unsealed: 50 });
		expect(await sealAuditLog(db)).toEqual({ sealed: 50, busy: false });
		expect(await verifyAuditChain(db)).toEqual({ ok: true, entries: 50, firstBadId: null, unsealed: 0 });
		expect((await rowsOf(db)).map((r) => r.seq).sort((a, b) => a! - b!)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
	});

	it('chains rows in the order their transactions commit, not by id, and never a rolled-back one', async () => {
		const db = await fresh();
		let releaseEarly!: () => void;
		const early = new Promise<void>((resolve) => (releaseEarly = resolve));
		let appendedEarly!: () => void;
		const earlyAppended = new Promise<void>((resolve) => (appendedEarly = resolve));
		// The first append takes the lower id but commits last.
		const slow = db.transaction(async (tx) => {
			await appendAudit(tx, record(1));
			appendedEarly();
			await early;
		});
		await earlyAppended;
		await db.transaction((tx) => appendAudit(tx, record(2)));
		await db
			.transaction(async (tx) => {
				await appendAudit(tx, record(3));
				tx.rollback();
			})
			.catch(() => {});
		await sealAuditLog(db);
		expect(await verifyAuditChain(db)).toEqual({ ok: true, entries: 1, firstBadId: null, unsealed: 0 });
		releaseEarly();
		await slow;
		expect(await verifyAuditChain(db, { seal: true })).toEqual({ ok: true, entries: 2, firstBadId: null, unsealed: 0 });
		const [first, second] = await rowsOf(db);
		expect([first.actor, first.seq, second.actor, second.seq]).toEqual(['user-1', 2, 'user-2', 1]);
		expect(first.id).toBeLessThan(second.id);
	});

	it('seals on its own once the appending transaction commits: the sealer hears the connection come back', async () => {
		const db = await fresh();
		// With the backstop an hour away and the first seal done, only the connection's return can seal the entry.
		const sealer = startAuditSealer(db, { backstopMs: 3_600_000 });
		try {
			await sealer.settled();
			await db.transaction((tx) => appendAudit(tx, record(7)));
			await eventually('the entry to be sealed', async () => ((await rowsOf(db))[0]?.seq === 1 ? true : undefined), 30_000, 50);
		} finally {
			await sealer.stop();
		}
	});

	it('refuses UPDATE, DELETE, TRUNCATE and a pre-sealed INSERT in the database itself', async () => {
		const db = await fresh();
		await db.transaction((tx) => appendAudit(tx, record(1)));
		const refused = (statement: string, params: unknown[] = []) => expect(db.$client.query(statement, params)).rejects.toMatchObject({ code: '42501', message: expect.stringMatching(/audit_log/) });
		// Unsealed: its content cannot change, nor can it be sealed with anything but the chain columns.
		await refused("update audit_log set actor = 'mallory'");
		await refused("update audit_log set seq = 1, prev_hash = 'x', hash = 'y', details = '{}'");
		await sealAuditLog(db);
		await refused("update audit_log set actor = 'mallory'");
		await refused("update audit_log set hash = 'y'");
		await refused('update audit_log set seq = null, prev_hash = null, hash = null');
		await refused('delete from audit_log');
		await refused('truncate audit_log');
		await refused("insert into audit_log (actor, action, subject, seq, prev_hash, hash) values ('m', 'a', 's', 2, 'x', 'y')");
		expect(await verifyAuditChain(db)).toEqual({ ok: true, entries: 1, firstBadId: null, unsealed: 0 });
	});

	it('finds a tampered actor, details, hash or deleted row at the row it breaks', async () => {
		const db = await fresh();
		for (let n = 0; n < 6; n++) await db.transaction((tx) => appendAudit(tx, record(n)));
		await sealAuditLog(db);
		const rows = await rowsOf(db);
		const third = rows.find((r) => r.seq === 3)!;
		const fourth = rows.find((r) => r.seq === 4)!;
		const [original] = (await db.$client.query<Record<string, unknown>>('select at, actor, action, subject, details, prev_hash, hash from audit_log where id = $1', [third.id])).rows;
		/** Sets one column of the third entry, verifies, and puts the column back. */
		const tamper = async (column: string, value: unknown) => {
			await asTamperer(db, `update audit_log set ${column} = $2 where id = $1`, [third.id, value]);
			const verdict = await verifyAuditChain(db);
			await asTamperer(db, `update audit_log set ${column} = $2 where id = $1`, [third.id, original[column]]);
			return verdict;
		};
		expect(await tamper('actor', 'mallory')).toEqual({ ok: false, entries: 3, firstBadId: third.id, unsealed: 0 });
		expect(await tamper('details', { ...(original.details as object), n: 99 })).toMatchObject({ ok: false, firstBadId: third.id });
		expect(await tamper('hash', 'a'.repeat(64))).toMatchObject({ ok: false, firstBadId: third.id });
		// Whoever also recomputes the edited entry's hash breaks the link of the entry after it.
		const forged = { ...original, actor: 'mallory' } as Parameters<typeof auditEntryHash>[1];
		await asTamperer(db, 'update audit_log set actor = $2, hash = $3 where id = $1', [third.id, 'mallory', auditEntryHash(original.prev_hash as string, forged)]);
		expect(await verifyAuditChain(db)).toMatchObject({ ok: false, firstBadId: fourth.id });
		await asTamperer(db, 'update audit_log set actor = $2, hash = $3 where id = $1', [third.id, original.actor, original.hash]);
		expect(await verifyAuditChain(db)).toEqual({ ok: true, entries: 6, firstBadId: null, unsealed: 0 });
		await asTamperer(db, 'delete from audit_log where id = $1', [third.id]);
		expect(await verifyAuditChain(db)).toMatchObject({ ok: false, firstBadId: fourth.id });
	});

	it('keeps rows written under the old lock valid: the migration gives them their positions in id order', async () => {
		const old = createDb(await createScratchDatabase('audit_old'), { max: 4 });
		dbs.push(old);
		await migrateUntil(old, '0004_audit_log_sealed_by_seq');
		for (let n = 0; n < 5; n++) {
			const client = await old.$client.connect();
			try {
				await client.query('begin');
				await lockedAppend(client, 'audit_log', record(n));
				await client.query('commit');
			} finally {
				client.release();
			}
		}
		await migrateDb(old);
		expect(await verifyAuditChain(old)).toEqual({ ok: true, entries: 5, firstBadId: null, unsealed: 0 });
		expect((await rowsOf(old)).map((r) => r.seq)).toEqual([1, 2, 3, 4, 5]);
		await old.transaction((tx) => appendAudit(tx, record(5)));
		expect(await verifyAuditChain(old, { seal: true })).toEqual({ ok: true, entries: 6, firstBadId: null, unsealed: 0 });
	});
});

describe('the audit log through the API', () => {
	let admin: ApiClient;
	beforeAll(async () => {
		admin = await loginAsAdmin();
	});

	interface Page {
		entries: Array<{ id: number; seq: number | null; actor: string; action: string; subject: string }>;
		older: number | null;
	}
	interface Problem {
		status: number;
		errors: Array<{ path: string; message: string }>;
	}

	it('lists entries by filter a page at a time, and verifies the chain on demand', async () => {
		const name = `audited-${Date.now().toString(36)}`;
		const source = (subject: string) => `apiVersion: tend/v1\nkind: Runbook\nmetadata: { name: ${name}, title: Audited }\nspec:\n  steps:\n    - { id: a, uses: notify, with: { to: [role:admin], subject: ${subject} } }\n`;
		for (const subject of ['one', 'two', 'three']) expect((await admin.send('POST', '/api/v1/runbooks', source(subject), 'application/yaml')).status).toBe(201);

		const query = `action=runbook.publish&subject=runbook:${name}&actor=admin&from=2020-01-01&to=${new Date(Date.now() + 86_400_000).toISOString()}`;
		const first = await admin.json<Page>('GET', `/api/v1/audit?${query}&limit=2`);
		expect(first.status).toBe(200);
		expect(first.body.entries.map((e) => [e.action, e.subject])).toEqual(Array(2).fill(['runbook.publish', `runbook:${name}`]));
		expect(first.body.older).toBe(first.body.entries[1].id);
		const second = await admin.json<Page>('GET', `/api/v1/audit?${query}&limit=2&before=${first.body.older}`);
		expect(second.body.entries).toHaveLength(1);
		expect(second.body.older).toBeNull();
		expect(second.body.entries[0].id).toBeLessThan(first.body.entries[1].id);

		// The web app seals its own appends once they commit, without being asked.
		await eventually('the publishes to be sealed', async () => {
			const { body } = await admin.json<Page>('GET', `/api/v1/audit?${query}`);
			return body.entries.every((e) => e.seq !== null) ? true : undefined;
		}, 30_000);

		const verified = await admin.json<{ ok: boolean; entries: number; firstBadId: number | null; unsealed: number }>('GET', '/api/v1/audit/verify');
		expect(verified.status).toBe(200);
		expect(verified.body).toMatchObject({ ok: true, firstBadId: null, unsealed: 0 });
		expect(verified.body.entries).toBeGreaterThanOrEqual(3);
	});

	it('answers bad filters with 400 problem+json naming each parameter', async () => {
		const bad = async (query: string) => {
			const response = await admin.request('GET', `/api/v1/audit?${query}`);
			expect(response.status, query).toBe(400);
			expect(response.headers.get('content-type')).toBe('application/problem+json');
			return ((await response.json()) as Problem).errors.map((e) => e.path).sort();
		};
		expect(await bad('from=yesterday&to=2026-13-45')).toEqual(['from', 'to']);
		expect(await bad('limit=0&before=abc')).toEqual(['before', 'limit']);
		expect(await bad('actor=%00admin')).toEqual(['actor']);
		expect(await bad('actor=a&actor=b')).toEqual(['actor']);
		expect(await bad('who=admin&__proto__=x')).toEqual(['__proto__', 'who']);
		expect(await bad('before=99999999999999999999')).toEqual(['before']);
	});

	it('is for admins only', async () => {
		const password = `pw-${Date.now()}-long-enough`;
		const username = `auditor${Date.now().toString(36)}`;
		expect((await admin.json('POST', '/api/v1/users', { username, password, roles: ['operator'], email: `${username}@example.test` })).status).toBe(201);
		const operator = await login(username, password);
		expect((await operator.request('GET', '/api/v1/audit')).status).toBe(403);
		expect((await operator.request('GET', '/api/v1/audit/verify')).status).toBe(403);
	});
});
