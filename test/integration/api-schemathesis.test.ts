import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { runEventSchema, runSchema } from '../../web/src/lib/server/contract/schemas.ts';
import { bearerClient, eventually, login, loginAsAdmin, webUrl, type ApiClient } from '../helpers/api.ts';
import { ensureSchemathesis, failureReport, runSchemathesis, schemathesisConfig } from '../helpers/schemathesis.ts';
import { startWorker, type TestWorker } from '../helpers/worker.ts';

/**
 * Schemathesis generates requests from /api/v1/openapi.json, valid and invalid, and checks each
 * answer: never a 5xx, only statuses and media types the document lists, and a schema-valid
 * request accepted. It runs as an admin of its own with an API token, against a worker, so runs
 * really start and decisions really reach their workflows. What it could do to the shared stack
 * is bounded: the file runs after every other (test/setup/sequencer.ts), and the operations that
 * act on runs, tokens, secrets, users and pins are pinned to a probe run, a decoy token, a probe
 * secret, a decoy user and the probe runbook, so it never resumes another test's failed run,
 * revokes its own token or changes a person another test signs in as. The sign-in policy it may
 * rewrite is put back, with its token (a session could be held back by a policy it wrote).
 *
 * Bound: 10 examples per operation and phase (`--max-examples`), about 10,000 requests; the
 * coverage phase's boundary cases are most of them.
 */
const MAX_EXAMPLES = 10;

const PROBE = 'schemathesis-probe';
const PROBE_RUNBOOK = `apiVersion: tend/v1
kind: Runbook
metadata: { name: ${PROBE}, title: Schemathesis probe }
spec:
  inputs:
    note: { type: string }
  steps:
    - id: ask
      uses: approval
      with: { approvers: [role:admin], message: "Go on?" }
    - id: tick
      uses: manual
      with: { checklist: [first, second] }
    - id: tell
      uses: notify
      with: { to: [role:admin], channel: in-app, subject: "probe done" }
`;

interface StoredDocument {
	name: string;
	document: unknown;
}

describe('the API against its OpenAPI document (schemathesis)', () => {
	let admin: ApiClient;
	let worker: TestWorker;
	let st: string;
	let username: string;
	let token: string;
	let decoyToken: string;
	let decoyUser: string;
	let settingsBefore: unknown;
	let probeRun: string;
	let before: { targets: StoredDocument[]; windows: StoredDocument[] };
	const folder = mkdtempSync(join(tmpdir(), 'tend-schemathesis-'));

	beforeAll(async () => {
		[st, admin, worker] = await Promise.all([ensureSchemathesis(), loginAsAdmin(), startWorker()]);
		username = `schemathesis-${randomBytes(3).toString('hex')}`;
		const password = randomBytes(12).toString('base64url');
		expect((await admin.json('POST', '/api/v1/users', { username, password, roles: ['admin'] })).status).toBe(201);
		const own = await login(username, password);
		// Every scope there is (admin, and `tokens` to revoke the decoy), so a token it asks for is never wider than the one it asks with.
		token = (await own.json<{ token: string }>('POST', '/api/v1/tokens', { name: 'schemathesis', scopes: ['admin', 'tokens'] })).body.token;
		decoyToken = (await own.json<{ id: string }>('POST', '/api/v1/tokens', { name: 'schemathesis decoy' })).body.id;
		decoyUser = `${username}-decoy`;
		expect((await admin.json('POST', '/api/v1/users', { username: decoyUser, password: randomBytes(12).toString('base64url'), roles: ['viewer'] })).status).toBe(201);
		settingsBefore = (await admin.json('GET', '/api/v1/settings')).body;

		expect([200, 201]).toContain((await admin.send('POST', '/api/v1/runbooks', PROBE_RUNBOOK, 'application/yaml')).status);
		probeRun = (await admin.json<{ id: string }>('POST', `/api/v1/runbooks/${PROBE}/runs`, { inputs: {} })).body.id;
		await eventually('the probe run to wait for its approval', async () => {
			const run = await admin.json<{ steps: Array<{ id: string; status: string }> }>('GET', `/api/v1/runs/${probeRun}`);
			return run.body.steps.find((s) => s.id === 'ask' && s.status === 'waiting');
		});

		const targets = (await admin.json<{ targets: StoredDocument[] }>('GET', '/api/v1/targets')).body.targets;
		const windows = (await admin.json<{ windows: Array<{ name: string }> }>('GET', '/api/v1/windows')).body.windows;
		before = { targets, windows: await Promise.all(windows.map(async ({ name }) => (await admin.json<StoredDocument>('GET', `/api/v1/windows/${name}`)).body)) };
	});

	afterAll(async () => {
		// Whatever it left that a later run of the stack would meet: a sign-in policy, a stop in force, schedules, replaced documents.
		if (token && settingsBefore) expect((await bearerClient(token).json('PUT', '/api/v1/settings', settingsBefore)).status).toBe(200);
		if (admin) {
			await admin.request('DELETE', '/api/v1/emergency-stop');
			const schedules = (await admin.json<{ schedules: Array<{ id: string; createdBy: string }> }>('GET', '/api/v1/schedules')).body.schedules ?? [];
			for (const schedule of schedules.filter((s) => s.createdBy === username)) await admin.request('DELETE', `/api/v1/schedules/${schedule.id}`);
			for (const [path, stored] of [['targets', before?.targets ?? []], ['windows', before?.windows ?? []]] as const) {
				for (const { name, document } of stored) {
					const now = await admin.json<StoredDocument>('GET', `/api/v1/${path}/${name}`);
					if (JSON.stringify(now.body.document) !== JSON.stringify(document)) await admin.json('POST', `/api/v1/${path}`, document);
				}
			}
		}
		await worker?.stop();
		rmSync(folder, { recursive: true, force: true });
	});

	/** The first `events` and `run` events of a run's stream, as sent. */
	async function firstStreamEvents(runId: string): Promise<Record<string, unknown>> {
		const response = await admin.request('GET', `/api/v1/runs/${runId}/events`);
		expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
		const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
		const seen: Record<string, unknown> = {};
		let buffer = '';
		while (!('events' in seen && 'run' in seen)) {
			const { value, done } = await reader.read();
			if (done) break;
			buffer += value;
			for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
				const lines = buffer.slice(0, end).split('\n');
				buffer = buffer.slice(end + 2);
				const event = lines.find((line) => line.startsWith('event: '))?.slice(7);
				if (event) seen[event] = JSON.parse(lines.filter((line) => line.startsWith('data: ')).map((line) => line.slice(6)).join('\n'));
			}
		}
		await reader.cancel();
		return seen;
	}

	it('answers a run, and its event stream, in the shapes the document names', async () => {
		// A run waiting on an approval: its step carries the approval's round, approvers and decisions.
		const run = await admin.json<unknown>('GET', `/api/v1/runs/${probeRun}`);
		const parsed = runSchema.safeParse(run.body);
		expect(parsed.error?.issues ?? []).toEqual([]);
		expect(run.body).toMatchObject({ steps: [{ id: 'ask', status: 'waiting', approval: { round: 1 } }, { id: 'tick' }, { id: 'tell' }] });
		const stream = await firstStreamEvents(probeRun);
		expect(runSchema.safeParse(stream.run).error?.issues ?? []).toEqual([]);
		expect(z.array(runEventSchema).min(1).safeParse(stream.events).error?.issues ?? []).toEqual([]);
		expect(stream.events).toContainEqual(expect.objectContaining({ kind: 'run.started', message: expect.any(String) }));
	});

	it('finds no server error, no undocumented status or media type, and no schema-valid request refused', async () => {
		const document = (await admin.json<Parameters<typeof schemathesisConfig>[0]>('GET', '/api/v1/openapi.json')).body;
		const onProbe = { id: probeRun };
		const config = schemathesisConfig(document, {
			postRunbooksNameRuns: { name: PROBE },
			postRunsIdCancel: onProbe,
			postRunsIdResume: onProbe,
			postRunsIdStepsStepIdDecision: { ...onProbe, stepId: 'ask' },
			postRunsIdStepsStepIdChecklist: { ...onProbe, stepId: 'tick' },
			postRunsIdStepsStepIdOverride: onProbe,
			deleteTokensId: { id: decoyToken },
			getUsersUsername: { username: decoyUser },
			patchUsersUsername: { username: decoyUser },
			postUsersUsernamePasswordReset: { username: decoyUser },
			deleteUsersUsernameMfa: { username: decoyUser },
			putRunbooksNamePin: { name: PROBE },
			deleteRunbooksNamePin: { name: PROBE },
			putSecretsName: { name: PROBE }
		});
		const configFile = join(folder, 'schemathesis.toml');
		writeFileSync(configFile, config);

		const started = performance.now();
		const result = await runSchemathesis(st, { schemaUrl: `${webUrl()}/api/v1/openapi.json`, token, configFile, maxExamples: MAX_EXAMPLES, seed: process.env.TEND_SCHEMATHESIS_SEED });
		console.log(`[schemathesis] ${result.operations} operations, ${result.cases} cases, ${result.failures} unique failures in ${((performance.now() - started) / 1000).toFixed(0)} s (${result.phases})`);
		if (result.exitCode !== 0) throw new Error(`schemathesis found problems (exit ${result.exitCode}):\n${failureReport(result.output)}`);
		expect(result.failures).toBe(0);
		expect(result.cases).toBeGreaterThan(1000);
	}, 900_000);
});
