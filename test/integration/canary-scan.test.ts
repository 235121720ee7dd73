import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../shared/config.ts';
import { configKeyRing } from '../../shared/key-ring.ts';
import { ENCRYPTED_ENCODING, EncryptionCodec } from '../../shared/payload-codec.ts';
import { runWorkflowId } from '../../workflows/definitions.ts';
import { workerDataConverter } from '../../worker/data-converter.ts';
import { workflowsPath } from '../../worker/workflows-path.ts';
import { eventually, login, loginAsAdmin, putSecret, runEnded, type ApiClient } from '../helpers/api.ts';
import { startReceiver, type Receiver } from '../helpers/http-receiver.ts';
import { withClient } from '../helpers/postgres.ts';
import { historyBytes, historyPayloads, stackEnv, stackTemporal } from '../helpers/temporal-stack.ts';
import { startWorker, type TestWorker } from '../helpers/worker.ts';

/**
 * Canary values through a real run, then a search for them everywhere Tend keeps or shows
 * anything. Two secrets (a target database's password, an HTTP header's value) must appear
 * nowhere: not in Tend's database (every table of every schema, each row as text, jsonb included),
 * not in any file under TEND_HOME (logs, PostgreSQL's data files and WAL, Temporal's SQLite
 * database), not in the worker's output, not in Temporal's histories, not in any API answer.
 * Two values people may see (a run's input, an approval comment) are in Tend's database by
 * design, but must not be in the clear in Temporal: its histories and its SQLite file hold them
 * only sealed by the payload codec.
 */
const tag = randomBytes(4).toString('hex');
const canary = {
	dbPassword: `canary-dbpw-${tag}`,
	headerSecret: `canary-header-${tag}`,
	input: `canary-input-${tag}`,
	comment: `canary-comment-${tag}`
};
const SECRETS = [canary.dbPassword, canary.headerSecret];
const TEMPORAL_SEALED = [...SECRETS, canary.input, canary.comment];
const role = `canary_${tag}`;
const names = { target: `canary-${tag}`, dbSecret: `canary-db-${tag}`, headerSecret: `canary-hdr-${tag}`, runbook: `canary-${tag}` };

interface RunView {
	id: string;
	status: string;
	steps: Array<{ id: string; status: string }>;
}

const hits = (content: string | Buffer, values: readonly string[]) => {
	const bytes = typeof content === 'string' ? Buffer.from(content) : content;
	return values.filter((value) => bytes.includes(value));
};

function filesUnder(folder: string): string[] {
	return readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
		const path = join(folder, entry.name);
		if (entry.isDirectory()) return filesUnder(path);
		return entry.isFile() ? [path] : [];
	});
}

describe('the canary-secret scan', () => {
	let admin: ApiClient;
	let approver: ApiClient;
	let viewer: ApiClient;
	let worker: TestWorker;
	let receiver: Receiver;
	let sealed: Client;
	let raw: Client;
	let runId: string;

	beforeAll(async () => {
		[admin, worker, receiver] = await Promise.all([loginAsAdmin(), startWorker(), startReceiver()]);
		[sealed, raw] = await Promise.all([stackTemporal('sealed'), stackTemporal('raw')]);
		const password = randomBytes(12).toString('base64url');
		for (const [name, roles] of [[`canary-approver-${tag}`, ['approver']], [`canary-viewer-${tag}`, ['viewer']]] as const) {
			expect((await admin.json('POST', '/api/v1/users', { username: name, password, roles })).status).toBe(201);
		}
		[approver, viewer] = await Promise.all([login(`canary-approver-${tag}`, password), login(`canary-viewer-${tag}`, password)]);

		// A login of the maintained database whose password is the canary; the secret holds the whole URL.
		await withClient(process.env.TEST_PG_ADMIN_URL!, (c) => c.query(`create role ${role} login password '${canary.dbPassword}'`));
		const crm = new URL(process.env.TEST_CRM_DATABASE_URL!);
		crm.username = role;
		crm.password = canary.dbPassword;
		await putSecret(admin, names.dbSecret, crm.toString());
		await putSecret(admin, names.headerSecret, canary.headerSecret);
		const target = { apiVersion: 'tend/v1', kind: 'Target', metadata: { name: names.target, title: 'Canary' }, spec: { databases: { main: { url: `secret:${names.dbSecret}` } }, http: { allowHosts: ['127.0.0.1'] } } };
		expect((await admin.json('POST', '/api/v1/targets', target)).status).toBe(201);
		const runbook = {
			apiVersion: 'tend/v1',
			kind: 'Runbook',
			metadata: { name: names.runbook, title: 'Canary' },
			spec: {
				target: names.target,
				inputs: { note: { type: 'string', required: true } },
				steps: [
					{ id: 'check', uses: 'sql.check', with: { database: 'main', query: 'select $1::text is not null as ok', params: ['${{ inputs.note }}'] } },
					{ id: 'call', uses: 'http.request', with: { url: `${receiver.url}/hook`, method: 'POST', headers: { 'X-Canary': `secret:${names.headerSecret}` }, body: { note: '${{ inputs.note }}' } } },
					{ id: 'approve', uses: 'approval', with: { approvers: ['role:approver'], message: 'Carry on?' } }
				]
			}
		};
		expect((await admin.json('POST', '/api/v1/runbooks', runbook)).status).toBe(201);
		const started = await admin.json<{ id: string }>('POST', `/api/v1/runbooks/${names.runbook}/runs`, { inputs: { note: canary.input } });
		expect(started.status).toBe(201);
		runId = started.body.id;
		await eventually('the approval to wait', async () => ((await admin.json<RunView>('GET', `/api/v1/runs/${runId}`)).body.steps.find((s) => s.id === 'approve')?.status === 'waiting' ? true : undefined), 120_000);
		const decided = await approver.json('POST', `/api/v1/runs/${runId}/steps/approve/decision`, { decision: 'approve', comment: canary.comment });
		expect(decided.status).toBe(200);
		expect((await runEnded<RunView>(admin, runId)).status).toBe('succeeded');
	});
	afterAll(async () => {
		await Promise.all([worker?.stop(), receiver?.close(), sealed?.connection.close(), raw?.connection.close()]);
		await withClient(process.env.TEST_PG_ADMIN_URL!, (c) => c.query(`drop role if exists ${role}`)).catch(() => undefined);
	});

	it('used the secrets for real: the header reached the server, the database check passed as the canary login', () => {
		expect([...new Set(receiver.received('/hook').map((r) => r.headers['x-canary']))]).toEqual([canary.headerSecret]);
	});

	it("finds neither secret in any table of Tend's database, though it finds the run's input there", async () => {
		const found = await withClient(process.env.TEST_APP_DATABASE_URL!, async (c) => {
			const tables = (
				await c.query<{ schema: string; name: string }>(
					"select table_schema as schema, table_name as name from information_schema.tables where table_type = 'BASE TABLE' and table_schema not in ('pg_catalog', 'information_schema')"
				)
			).rows;
			const counts: Record<string, number> = {};
			for (const value of [...SECRETS, canary.input]) {
				for (const t of tables) {
					const table = `${c.escapeIdentifier(t.schema)}.${c.escapeIdentifier(t.name)}`;
					const { rows } = await c.query<{ n: number }>(`select count(*)::int as n from ${table} t where strpos(t::text, $1) > 0`, [value]);
					if (rows[0].n) counts[`${value} in ${t.schema}.${t.name}`] = rows[0].n;
				}
			}
			return { tables: tables.length, counts };
		});
		console.log(`[canary] Tend's database: ${found.tables} tables scanned row by row`);
		expect(Object.keys(found.counts).filter((k) => SECRETS.some((s) => k.startsWith(s)))).toEqual([]);
		// The scan sees what is there: the input is stored with the run, as designed.
		expect(Object.keys(found.counts).some((k) => k.startsWith(canary.input))).toBe(true);
	});

	it('finds no secret in any file under TEND_HOME, and nothing in the clear in Temporal’s SQLite database', () => {
		const home = process.env.TEST_HOME!;
		let bytes = 0;
		const secretHits: string[] = [];
		const temporalHits: string[] = [];
		const files = filesUnder(home);
		for (const file of files) {
			// PostgreSQL and SQLite remove temporary files and journals as they go.
			let content: Buffer;
			try {
				content = readFileSync(file);
			} catch (error) {
				if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
				throw error;
			}
			bytes += content.length;
			for (const value of hits(content, SECRETS)) secretHits.push(`${value} in ${file}`);
			if (/temporal\.db/.test(file)) for (const value of hits(content, TEMPORAL_SEALED)) temporalHits.push(`${value} in ${file}`);
		}
		console.log(`[canary] TEND_HOME: ${files.length} files, ${(bytes / 1e6).toFixed(0)} MB scanned (logs, PostgreSQL data and WAL, Temporal's SQLite)`);
		expect(files.some((f) => /temporal\.db/.test(f))).toBe(true);
		expect(secretHits).toEqual([]);
		expect(temporalHits).toEqual([]);
	});

	it("finds no secret in the worker's output", () => {
		expect(hits(worker.output(), SECRETS)).toEqual([]);
	});

	it('finds nothing in the clear in Temporal’s histories: every payload is sealed, and opens with the key ring', async () => {
		const workflowIds: string[] = [];
		// Listed through the sealed client: listing decodes memos, which the raw one cannot open.
		for await (const execution of sealed.workflow.list()) workflowIds.push(execution.workflowId);
		expect(workflowIds).toContain(runWorkflowId(runId));
		const leaks: string[] = [];
		for (const id of workflowIds) {
			const history = await raw.workflow.getHandle(id).fetchHistory();
			for (const value of hits(historyBytes(history), TEMPORAL_SEALED)) leaks.push(`${value} in ${id}`);
		}
		console.log(`[canary] Temporal: ${workflowIds.length} workflow histories scanned as stored`);
		expect(leaks).toEqual([]);

		const history = await raw.workflow.getHandle(runWorkflowId(runId)).fetchHistory();
		const payloads = historyPayloads(history);
		const plain = payloads.filter(({ payload }) => new TextDecoder().decode(payload.metadata?.encoding ?? new Uint8Array()) !== ENCRYPTED_ENCODING);
		expect(payloads.length).toBeGreaterThan(5);
		expect(plain.map((p) => p.where)).toEqual([]);
		// The ring opens them, and then the comment and the input are there: the scan above would have seen them in the clear.
		const opened = await new EncryptionCodec(configKeyRing(parseConfig(stackEnv()))).decode(payloads.map((p) => p.payload));
		const openedBytes = Buffer.concat(opened.map((p) => Buffer.from(p.data ?? new Uint8Array())));
		expect(hits(openedBytes, [canary.comment, canary.input])).toEqual([canary.comment, canary.input]);
		// And a sealed history replays on today's workflow code.
		await Worker.runReplayHistory({ workflowsPath, dataConverter: workerDataConverter(parseConfig(stackEnv())) }, history, runWorkflowId(runId));
	});

	it('finds no secret in any API answer: runs, the run, its events, targets, secrets, audit, approvals', async () => {
		const paths = ['/api/v1/runs', `/api/v1/runs/${runId}`, '/api/v1/targets', `/api/v1/targets/${names.target}`, '/api/v1/secrets', '/api/v1/audit?limit=200', '/api/v1/approvals', `/api/v1/runbooks/${names.runbook}`, '/api/v1/keys'];
		const leaks: string[] = [];
		let answers = 0;
		for (const who of [admin, viewer]) {
			for (const path of paths) {
				const response = await who.request('GET', path);
				const text = await response.text();
				answers++;
				for (const value of hits(text, SECRETS)) leaks.push(`${value} in ${path}`);
			}
			// The live stream's first message carries the run and its whole log.
			const stream = await who.request('GET', `/api/v1/runs/${runId}/events`);
			const reader = stream.body!.getReader();
			const first = await reader.read();
			await reader.cancel();
			answers++;
			for (const value of hits(Buffer.from(first.value ?? new Uint8Array()).toString('utf8'), SECRETS)) leaks.push(`${value} in the event stream`);
		}
		console.log(`[canary] API: ${answers} answers scanned`);
		expect(leaks).toEqual([]);
	});
});
