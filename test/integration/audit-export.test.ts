import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuditCheckActivities } from '../../activities/audit-check.ts';
import { createDb, migrateDb, type Db } from '../../db/client.ts';
import { AUDIT_CHECK_SCHEDULE_ID } from '../../shared/audit-check-schedule.ts';
import { checkAuditExport, type AuditExportFile, type AuditSigningKey } from '../../shared/audit-export.ts';
import { appendAudit, sealAuditLog } from '../../shared/audit.ts';
import { parseConfig } from '../../shared/config.ts';
import { anonymousClient, eventually, loginAsAdmin, type ApiClient } from '../helpers/api.ts';
import { appRows, uniqueName } from '../helpers/people.ts';
import { createScratchDatabase, withClient } from '../helpers/postgres.ts';
import { startWorker, type TestWorker } from '../helpers/worker.ts';

const stackEnv = () => JSON.parse(process.env.TEST_STACK_ENV!) as Record<string, string>;

describe('the audit log export, signed for a third party, and the daily chain check', () => {
	let admin: ApiClient;
	let keys: AuditSigningKey[];
	beforeAll(async () => {
		admin = await loginAsAdmin();
		const published = await anonymousClient().json('GET', '/api/v1/audit/signing-keys');
		expect(published.status).toBe(200);
		keys = (published.body as { keys: AuditSigningKey[] }).keys;
	});

	it('exports the filtered entries with a SHA-256 and an Ed25519 signature that openssl checks against the published key', async () => {
		const subject = `thing:${uniqueName('exported')}`;
		// Three entries of our own, through the API that audits: a user created, then disabled and re-enabled.
		const username = uniqueName('audited');
		expect((await admin.json('POST', '/api/v1/users', { username, password: 'velvet orchard sixty kites', roles: ['viewer'] })).status).toBe(201);
		const response = await admin.request('GET', `/api/v1/audit/export?subject=${encodeURIComponent(`user:${username}`)}`);
		expect(response.status).toBe(200);
		expect(response.headers.get('content-disposition')).toMatch(/^attachment; filename="tend-audit-.*\.json"$/);
		const text = await response.text();
		const file = JSON.parse(text) as AuditExportFile;
		const content = JSON.parse(file.content) as { exportedBy: string; filters: Record<string, string>; chain: { ok: boolean }; entries: Array<{ subject: string; action: string; hash: string | null }> };
		expect(content.exportedBy).toBe('admin');
		expect(content.filters).toEqual({ subject: `user:${username}` });
		expect(content.chain.ok).toBe(true);
		expect(content.entries.length).toBeGreaterThan(0);
		expect(content.entries.every((e) => e.subject === `user:${username}` && e.hash)).toBe(true);
		expect(file.signature.keyId).toBe(keys[0].id);
		expect(checkAuditExport(text, keys)).toEqual({ ok: true, keyId: keys[0].id });

		// The documented method (docs/audit-export.md): jq takes the content's bytes, sha256sum and openssl check them.
		const folder = mkdtempSync(join(tmpdir(), 'audit-export-'));
		writeFileSync(join(folder, 'export.json'), text);
		writeFileSync(join(folder, 'key.pem'), keys[0].publicKeyPem);
		const sh = (script: string) => execFileSync('sh', ['-c', script], { cwd: folder, encoding: 'utf8' });
		sh('jq -j .content export.json > content.bin && jq -r .signature.value export.json | base64 -d > signature.bin');
		expect(sh('sha256sum content.bin').split(' ')[0]).toBe(file.sha256);
		expect(sh('openssl pkeyutl -verify -pubin -inkey key.pem -rawin -in content.bin -sigfile signature.bin')).toMatch(/Signature Verified Successfully/);

		// An edited entry fails the hash; an edited entry with a recomputed hash fails the signature.
		const edited = file.content.replace(`"user:${username}"`, `"${subject}"`);
		expect(checkAuditExport(JSON.stringify({ ...file, content: edited }), keys)).toEqual({ ok: false, reason: 'hash' });
		const { createHash } = await import('node:crypto');
		const rehashed = { ...file, content: edited, sha256: createHash('sha256').update(edited).digest('hex') };
		expect(checkAuditExport(JSON.stringify(rehashed), keys)).toEqual({ ok: false, reason: 'signature' });
		writeFileSync(join(folder, 'export.json'), JSON.stringify(rehashed));
		expect(() => sh('jq -j .content export.json > content.bin && openssl pkeyutl -verify -pubin -inkey key.pem -rawin -in content.bin -sigfile signature.bin')).toThrow();
	});

	it('answers 400 naming the parameter for a bad filter, and refuses anyone but an admin', async () => {
		const bad = await admin.json('GET', '/api/v1/audit/export?from=yesterday');
		expect(bad.status).toBe(400);
		expect(JSON.stringify(bad.body)).toContain('from');
		expect((await anonymousClient().json('GET', '/api/v1/audit/export')).status).toBe(401);
	});

	describe('the daily check', () => {
		let worker: TestWorker;
		let connection: Connection;
		beforeAll(async () => {
			worker = await startWorker();
			connection = await Connection.connect({ address: stackEnv().TEMPORAL_ADDRESS });
		});
		afterAll(async () => {
			await worker?.stop();
			await connection?.close();
		});

		it('is a Temporal schedule the worker installs; fired, it records the verdict the page shows', async () => {
			const client = new Client({ connection, namespace: stackEnv().TEMPORAL_NAMESPACE ?? 'default' });
			const handle = client.schedule.getHandle(AUDIT_CHECK_SCHEDULE_ID);
			const description = await handle.describe();
			expect(description.action).toMatchObject({ type: 'startWorkflow', workflowType: 'auditChainCheck' });
			const [{ before }] = await appRows<{ before: number }>("select count(*)::int as before from audit_log where action = 'audit.chain-checked'");
			await handle.trigger();
			const verdict = await eventually('the check to record its verdict', async () => {
				const rows = await appRows<{ details: { ok: boolean; firstBadId: number | null } }>("select details from audit_log where action = 'audit.chain-checked' order by id desc");
				return rows.length > before ? rows[0].details : undefined;
			});
			expect(verdict).toMatchObject({ ok: true, firstBadId: null });
			const page = await admin.request('GET', '/admin/audit');
			expect(await page.text()).toContain('Daily check: intact');
		});

		it('emails every enabled admin when the chain is broken (a tampered copy of the log)', async () => {
			const db: Db = createDb(await createScratchDatabase('auditcheck'), { max: 4 });
			try {
				await migrateDb(db);
				const email = `${uniqueName('sec')}@example.test`;
				await db.$client.query("insert into roles (name, description) values ('admin', 'Admin') on conflict do nothing");
				await db.$client.query(
					"with u as (insert into users (username, email, display_name, password_hash) values ($1, $2, 'Sec', 'x') returning id) insert into user_roles (user_id, role) select id, 'admin' from u",
					[uniqueName('sec'), email]
				);
				for (let n = 0; n < 4; n++) await db.transaction((tx) => appendAudit(tx, { actor: 'alice', action: 'test.append', subject: `thing:${n}` }));
				await sealAuditLog(db);
				const [third] = (await db.$client.query<{ id: string }>('select id from audit_log where seq = 3')).rows;
				await withClient(db.$client.options.connectionString!, async (c) => {
					await c.query('set session_replication_role = replica');
					await c.query("update audit_log set actor = 'mallory' where id = $1", [third.id]);
				});
				const activities = createAuditCheckActivities({ db, config: parseConfig(stackEnv()) });
				const env = new MockActivityEnvironment({ workflowExecution: { workflowId: `audit-check-${uniqueName('t')}`, runId: 'r' } });
				const verdict = await env.run(activities['audit.verifyChain']);
				expect(verdict).toMatchObject({ ok: false, entries: 3, firstBadId: Number(third.id) });
				expect(await env.run(activities['audit.alertAdmins'] as (v: unknown) => Promise<{ delivered: number }>, verdict)).toEqual({ delivered: 1 });
				const mail = await eventually('the alert in the sink', async () => {
					const rows = await appRows<{ subject: string; rcpt_to: string }>('select subject, rcpt_to::text from mail_sink where rcpt_to::text like $1', [`%${email}%`]);
					return rows.length ? rows : undefined;
				});
				expect(mail[0].subject).toBe(`Tend: the audit log's hash chain is broken at entry ${third.id}`);
			} finally {
				await db.$client.end();
			}
		});
	});
});
