import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, type Db } from '../../db/client.ts';
import { freePort } from '../../dev/ports.ts';
import { keyId, keyRing } from '../../shared/key-ring.ts';
import { reencryptSealed } from '../../shared/key-rotation.ts';
import { KEY_ID_METADATA } from '../../shared/payload-codec.ts';
import { decryptSecret } from '../../shared/secrets.ts';
import { runWorkflowId } from '../../workflows/definitions.ts';
import { allowingTarget, eventually, login, loginAsAdmin, putSecret, runEnded, type ApiClient } from '../helpers/api.ts';
import { startReceiver, type Receiver } from '../helpers/http-receiver.ts';
import { historyPayloads, stackEnv, stackTemporal } from '../helpers/temporal-stack.ts';
import { startWorker, type TestWorker } from '../helpers/worker.ts';

/**
 * A key rotation while runs are in flight, as an operator does it: web and worker restart with
 * the new key first in TEND_SECRET_KEYS and the old one after it, a run that waited through the
 * switch carries on (its history holds payloads under both keys; its approval is signed with the
 * new key), `POST /keys/rotate` re-seals every stored secret under the new key while another run
 * waits, and everything still opens — after the re-seal, secrets open with the new key alone.
 */
const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const tag = randomBytes(3).toString('hex');
const RUNBOOK = `rotation-${tag}`;
const SECRET = `rotation-hdr-${tag}`;

interface RunView {
	id: string;
	status: string;
	steps: Array<{ id: string; status: string }>;
}

/** Another web process of the test stack, with its own environment (a new key ring), as a rolling restart brings up. */
async function startWeb(env: Record<string, string>): Promise<{ url: string; stop(): Promise<void> }> {
	const port = await freePort();
	const url = `http://localhost:${port}`;
	const child: ChildProcess = spawn(process.execPath, [join(repoRoot, 'build', 'index.js')], {
		cwd: repoRoot,
		env: { ...process.env, ...stackEnv(), ...env, PORT: String(port), ORIGIN: url },
		stdio: 'ignore'
	});
	const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
	await eventually('the second web process to answer', async () => ((await fetch(`${url}/healthz`).catch(() => null))?.ok ? true : undefined), 60_000);
	return {
		url,
		stop: async () => {
			if (child.exitCode === null) child.kill('SIGTERM');
			await exited;
		}
	};
}

describe('key rotation without downtime', () => {
	const oldKey = stackEnv().TEND_SECRET_KEY;
	const newKey = randomBytes(32).toString('base64');
	const rotated = { TEND_SECRET_KEYS: `${newKey},${oldKey}` };
	let db: Db;
	let receiver: Receiver;
	let before: TestWorker | undefined;
	let after: TestWorker | undefined;
	let web: { url: string; stop(): Promise<void> } | undefined;
	let password: string;

	beforeAll(async () => {
		db = createDb(stackEnv().DATABASE_URL, { max: 2 });
		receiver = await startReceiver();
		password = randomBytes(12).toString('base64url');
		const admin = await loginAsAdmin();
		expect((await admin.json('POST', '/api/v1/users', { username: `rotation-approver-${tag}`, password, roles: ['approver'] })).status).toBe(201);
		await putSecret(admin, SECRET, `token-${tag}`);
		// The receiver is on loopback: the runbook's target names it.
		await allowingTarget(admin, RUNBOOK, ['127.0.0.1']);
		const runbook = {
			apiVersion: 'tend/v1',
			kind: 'Runbook',
			metadata: { name: RUNBOOK, title: 'Rotation' },
			spec: {
				target: RUNBOOK,
				inputs: { note: { type: 'string', default: 'in flight' } },
				steps: [
					{ id: 'approve', uses: 'approval', with: { approvers: ['role:approver'], message: '${{ inputs.note }}' } },
					{ id: 'call', uses: 'http.request', with: { url: `${receiver.url}/hook`, method: 'POST', headers: { 'X-Token': `secret:${SECRET}` }, body: { note: '${{ inputs.note }}' } } }
				]
			}
		};
		expect((await admin.json('POST', '/api/v1/runbooks', runbook)).status).toBe(201);
	});
	afterAll(async () => {
		// Leave the stack as the other files expect it: every secret under the stack's own key.
		await reencryptSealed(db, keyRing([oldKey, newKey])).catch(() => undefined);
		await Promise.all([before?.stop(), after?.stop(), web?.stop(), receiver?.close()]);
		await db?.$client.end();
	});

	const waiting = (api: ApiClient, id: string) =>
		eventually(`run ${id} to wait for its approval`, async () => ((await api.json<RunView>('GET', `/api/v1/runs/${id}`)).body.steps.find((s) => s.id === 'approve')?.status === 'waiting' ? true : undefined), 120_000);
	const start = async (api: ApiClient, note: string) => {
		const started = await api.json<{ id: string }>('POST', `/api/v1/runbooks/${RUNBOOK}/runs`, { inputs: { note } });
		expect(started.status).toBe(201);
		await waiting(api, started.body.id);
		return started.body.id;
	};

	it('carries runs through a switch of keys and a re-seal of every secret, and everything still opens', async () => {
		// Before: one key. A run starts and waits for its approval, its payloads sealed with the old key.
		before = await startWorker();
		const inFlight = await start(await loginAsAdmin(), 'started before the rotation');

		// The rolling restart: a worker and a web process with the new key first; the old ones go.
		after = await startWorker(rotated);
		await before.stop();
		before = undefined;
		web = await startWeb(rotated);
		const admin = await login('admin', process.env.TEST_ADMIN_PASSWORD ?? '', web.url);
		const approver = await login(`rotation-approver-${tag}`, password, web.url);

		// The run that waited through the switch is approved through the new web process and finishes.
		expect((await approver.json('POST', `/api/v1/runs/${inFlight}/steps/approve/decision`, { decision: 'approve', comment: 'after the switch' })).status).toBe(200);
		expect((await runEnded<RunView>(admin, inFlight)).status).toBe('succeeded');

		// Another run waits while every stored secret is re-sealed under the new key.
		const waitingThrough = await start(admin, 'waiting through the re-seal');
		const report = await admin.json<{ keyId: string; tables: Array<{ table: string; reencrypted: number; unreadable: string[] }> }>('POST', '/api/v1/keys/rotate');
		expect(report.status).toBe(200);
		expect(report.body.keyId).toBe(keyId(Buffer.from(newKey, 'base64')));
		const secrets = report.body.tables.find((t) => t.table === 'secrets')!;
		expect(secrets.reencrypted).toBeGreaterThan(0);
		expect(secrets.unreadable).toEqual([]);
		const status = await admin.json<{ current: string; tables: Array<{ table: string; byKey: Record<string, number>; unknown: number }> }>('GET', '/api/v1/keys');
		expect(Object.keys(status.body.tables.find((t) => t.table === 'secrets')!.byKey)).toEqual([report.body.keyId]);
		expect((await admin.json('POST', '/api/v1/keys/rotate')).body).toMatchObject({ tables: [{ table: 'secrets', reencrypted: 0 }] });

		expect((await approver.json('POST', `/api/v1/runs/${waitingThrough}/steps/approve/decision`, { decision: 'approve' })).status).toBe(200);
		expect((await runEnded<RunView>(admin, waitingThrough)).status).toBe('succeeded');
		expect(receiver.received('/hook').map((r) => r.headers['x-token'])).toEqual([`token-${tag}`, `token-${tag}`]);

		// Secrets now open with the new key alone; the run that spanned the switch holds payloads under both keys.
		const [row] = (await db.$client.query('select name, ciphertext, iv, tag, key_id as "keyId" from secrets where name = $1', [SECRET])).rows;
		expect(decryptSecret(keyRing([newKey]), SECRET, row)).toBe(`token-${tag}`);
		const temporal = await stackTemporal('raw');
		try {
			const history = await temporal.workflow.getHandle(runWorkflowId(inFlight)).fetchHistory();
			const keyIds = new Set(historyPayloads(history).map(({ payload }) => new TextDecoder().decode(payload.metadata?.[KEY_ID_METADATA] ?? new Uint8Array())));
			expect([...keyIds].sort()).toEqual([keyId(Buffer.from(newKey, 'base64')), keyId(Buffer.from(oldKey, 'base64'))].sort());
		} finally {
			await temporal.connection.close();
		}
	});
});
