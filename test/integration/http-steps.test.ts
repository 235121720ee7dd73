import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunView, StepView } from '../../web/src/lib/run-types.ts';
import { allowingTarget, type ApiClient, loginAsAdmin, putSecret, runSteps, webUrl } from '../helpers/api.ts';
import { startReceiver, type Receiver } from '../helpers/http-receiver.ts';
import { withClient } from '../helpers/postgres.ts';
import { startWorker, type TestWorker } from '../helpers/worker.ts';

const suffix = randomBytes(3).toString('hex');
const appDb = () => process.env.TEST_APP_DATABASE_URL!;

const step = (run: RunView, id: string): StepView => run.steps.find((s) => s.id === id)!;
const once = { maxAttempts: 1 };

describe('http.check and http.request against a real HTTP server', () => {
	let api: ApiClient;
	let worker: TestWorker;
	let server: Receiver;
	/** The receiver listens on loopback: steps reach it through a target that names it (DESIGN §7). */
	const local = `http-local-${suffix}`;
	const onlyLocalhost = `http-localhost-${suffix}`;

	beforeAll(async () => {
		[api, worker, server] = await Promise.all([loginAsAdmin(), startWorker(), startReceiver()]);
		await allowingTarget(api, local, ['127.0.0.1', 'localhost']);
		await allowingTarget(api, onlyLocalhost, ['localhost']);
		server.on('/healthz', (_req, res) => void res.end('{"status":"ok","db":"up"}'));
		server.on('/down', (_req, res) => {
			res.statusCode = 503;
			res.end('maintenance in progress');
		});
		// Down for the first request only, as a service is while it restarts.
		server.on('/flapping', (_req, res, count) => {
			res.statusCode = count === 1 ? 503 : 200;
			res.end(count === 1 ? 'starting' : 'ok');
		});
		server.on('/slow', async (_req, res) => {
			await new Promise((r) => setTimeout(r, 1500));
			res.end('ok');
		});
		server.on('/moved', (_req, res) => {
			res.writeHead(302, { location: '/healthz' });
			res.end();
		});
		// The same server under another name: only the host differs.
		server.on('/elsewhere', (_req, res) => {
			res.writeHead(302, { location: `http://localhost:${server.port}/healthz` });
			res.end();
		});
	});
	afterAll(async () => {
		await worker?.stop();
		await server?.close();
	});

	it('passes, fails with what it saw, and retries a flapping URL; a redirect to another host is refused', async () => {
		const run = await runSteps<RunView>(api, `http-checks-${suffix}`, [
			{ id: 'ok', uses: 'http.check', with: { url: `${server.url}/healthz`, expectStatus: 200, bodyIncludes: '"status":"ok"', maxLatencyMs: 5000 } },
			{ id: 'sameHost', uses: 'http.check', with: { url: `${server.url}/moved`, bodyIncludes: 'ok' } },
			{ id: 'flapping', uses: 'http.check', with: { url: `${server.url}/flapping` }, retry: { maxAttempts: 3, initialInterval: '1s' } },
			{ id: 'wrongStatus', uses: 'http.check', with: { url: `${server.url}/down`, expectStatus: 200 }, retry: { maxAttempts: 2, initialInterval: '1s' }, onFailure: 'continue' },
			{ id: 'missingText', uses: 'http.check', with: { url: `${server.url}/healthz`, bodyIncludes: 'version' }, retry: once, onFailure: 'continue' },
			{ id: 'slow', uses: 'http.check', with: { url: `${server.url}/slow`, maxLatencyMs: 300 }, retry: once, onFailure: 'continue' },
			{ id: 'elsewhere', uses: 'http.check', with: { url: `${server.url}/elsewhere` }, retry: { maxAttempts: 3, initialInterval: '1s' }, onFailure: 'continue' },
			{ id: 'allowed', uses: 'http.check', with: { url: `${server.url}/elsewhere`, allowRedirectTo: ['localhost'] } }
		], 120_000, local);

		expect(step(run, 'ok')).toMatchObject({ status: 'succeeded', outputs: { status: 200 } });
		expect((step(run, 'ok').outputs as { latencyMs: number }).latencyMs).toBeGreaterThanOrEqual(0);
		expect(step(run, 'sameHost')).toMatchObject({ status: 'succeeded', outputs: { status: 200 } });
		expect(step(run, 'flapping')).toMatchObject({ status: 'succeeded', attempts: 2, outputs: { status: 200 } });

		expect(step(run, 'wrongStatus')).toMatchObject({ status: 'failed', attempts: 2 });
		expect(step(run, 'wrongStatus').error).toContain(`GET ${server.url}/down: status 503, expected 200`);
		expect(step(run, 'missingText').error).toContain('the body does not contain "version" (it begins "{"status":"ok","db":"up"}")');
		expect(step(run, 'slow')).toMatchObject({ status: 'failed' });
		expect(step(run, 'slow').error).toMatch(/answered in \d+ ms, above the 300 ms allowed/);

		// Not retried: another attempt would be refused the same way.
		expect(step(run, 'elsewhere')).toMatchObject({ status: 'failed', attempts: 1 });
		expect(step(run, 'elsewhere').error).toContain(`redirected (302) to localhost:${server.port}, another host; add "localhost" to allowRedirectTo`);
		expect(step(run, 'allowed')).toMatchObject({ status: 'succeeded', outputs: { status: 200 } });
		expect(server.received('/elsewhere')).toHaveLength(2);
	});

	it('calls an API with a secret header and an idempotency key, and keeps the secret out of everything it records', async () => {
		const token = `Bearer tok-${randomBytes(8).toString('hex')}`;
		const secret = `deploy-hook-${suffix}`;
		await putSecret(api, secret, token);
		server.on('/deploy', (req, res) => {
			res.setHeader('content-type', 'application/json');
			res.statusCode = req.headers.authorization === token ? 202 : 401;
			res.end(JSON.stringify({ accepted: req.headers.authorization === token, release: (JSON.parse(req.body) as { release: string }).release }));
		});
		server.on('/gone', (_req, res) => {
			res.statusCode = 404;
			res.end('no such hook');
		});
		const run = await runSteps<RunView>(api, `http-request-${suffix}`, [
			{ id: 'deploy', uses: 'http.request', with: { url: `${server.url}/deploy`, method: 'POST', headers: { Authorization: `secret:${secret}` }, body: { release: '1.2' }, expectStatus: [200, 202] } },
			{ id: 'gone', uses: 'http.request', with: { url: `${server.url}/gone`, method: 'POST', body: 'ping' }, retry: { maxAttempts: 3, initialInterval: '1s' }, onFailure: 'continue' }
		], 120_000, local);

		expect(step(run, 'deploy')).toMatchObject({ status: 'succeeded', outputs: { status: 202, body: { accepted: true, release: '1.2' } } });
		const [call] = server.received('/deploy');
		expect(call.method).toBe('POST');
		expect(call.headers['content-type']).toBe('application/json');
		expect(call.headers['idempotency-key']).toBe(`tend-${run.id}-deploy`);
		// A 404 will not turn into a 2xx on a second try.
		expect(step(run, 'gone')).toMatchObject({ status: 'failed', attempts: 1 });
		expect(step(run, 'gone').error).toContain(`POST ${server.url}/gone answered 404, expected a 2xx: no such hook`);

		const recorded = await withClient(appDb(), async (c) => {
			const rows = await c.query(
				`select coalesce((select string_agg(coalesce(outputs::text, '') || coalesce(error, ''), ' ') from run_steps where run_id = $1), '') || coalesce((select string_agg(coalesce(message, ''), ' ') from run_events where run_id = $1), '') as text`,
				[run.id]
			);
			return rows.rows[0].text as string;
		});
		expect(recorded).toContain('1.2');
		expect(recorded).not.toContain(token.slice('Bearer '.length));
	});

	it('refuses loopback without the target’s allowance, Tend’s own services even with it, and a redirect into a refused address', async () => {
		const temporalHttp = (JSON.parse(process.env.TEST_STACK_ENV!) as Record<string, string>).TEMPORAL_HTTP_PORT;
		const web = new URL(webUrl());
		server.on('/to-loopback', (_req, res) => {
			res.writeHead(302, { location: `http://127.0.0.1:${server.port}/landing` });
			res.end();
		});
		const before = server.received().length;
		// No target: nothing private may be reached, written as an address or as a name.
		const bare = await runSteps<RunView>(api, `http-refused-${suffix}`, [
			{ id: 'loopback', uses: 'http.check', with: { url: `${server.url}/healthz` }, retry: { maxAttempts: 3, initialInterval: '1s' }, onFailure: 'continue' },
			{ id: 'byName', uses: 'http.request', with: { url: `http://localhost:${server.port}/hook`, method: 'POST', body: 'x' }, onFailure: 'continue' },
			{ id: 'mapped', uses: 'http.check', with: { url: `http://[::ffff:127.0.0.1]:${server.port}/healthz` }, onFailure: 'continue' },
			{ id: 'webhook', uses: 'notify', with: { to: [`${server.url}/hook`], channel: 'webhook', subject: 'hi' }, retry: { maxAttempts: 1 }, onFailure: 'continue' }
		]);
		// Not retried: the address will be refused the same way on every attempt.
		expect(step(bare, 'loopback')).toMatchObject({ status: 'failed', attempts: 1 });
		expect(step(bare, 'loopback').error).toBe(
			`http.check: will not connect to ${server.url}/healthz: 127.0.0.1 resolves to 127.0.0.1, a loopback address (rule: loopback); a step reaches it only if the target lists "127.0.0.1" in spec.http.allowHosts`
		);
		expect(step(bare, 'byName').error).toMatch(/localhost resolves to (::1|127\.0\.0\.1), a loopback address \(rule: loopback\)/);
		expect(step(bare, 'mapped').error).toContain('a loopback address (rule: loopback)');
		expect(step(bare, 'webhook').error).toContain('a loopback address (rule: loopback)');

		// A target that allows 127.0.0.1 still does not open Temporal's HTTP API or Tend's web app (the forged-approval path), nor a redirect to an address it does not name.
		const allowed = await runSteps<RunView>(
			api,
			`http-own-${suffix}`,
			[
				{ id: 'temporal', uses: 'http.request', with: { url: `http://127.0.0.1:${temporalHttp}/api/v1/namespaces/default/workflows/x/update/decide`, method: 'POST', body: { actor: 'forged' } }, onFailure: 'continue' },
				{ id: 'tend', uses: 'http.check', with: { url: `${webUrl()}/healthz` }, onFailure: 'continue' }
			],
			120_000,
			local
		);
		expect(step(allowed, 'temporal').error).toBe(
			`http.request: will not connect to http://127.0.0.1:${temporalHttp}/api/v1/namespaces/default/workflows/x/update/decide: 127.0.0.1 (127.0.0.1 port ${temporalHttp}) is the Temporal HTTP API, one of Tend's own services; a step reaches it only if the target lists "127.0.0.1:${temporalHttp}" in spec.http.allowHosts`
		);
		expect(step(allowed, 'tend').error).toContain(`is the Tend web app, one of Tend's own services; a step reaches it only if the target lists "${web.hostname}:${web.port}"`);

		const redirected = await runSteps<RunView>(
			api,
			`http-redirect-${suffix}`,
			[{ id: 'hop', uses: 'http.check', with: { url: `http://localhost:${server.port}/to-loopback`, allowRedirectTo: ['127.0.0.1'] }, onFailure: 'continue' }],
			120_000,
			onlyLocalhost
		);
		expect(step(redirected, 'hop').error).toContain(`127.0.0.1 resolves to 127.0.0.1, a loopback address (rule: loopback)`);
		// The first hop arrived (localhost is named); the second never left the worker.
		expect(server.received('/to-loopback')).toHaveLength(1);
		expect(server.received('/landing')).toHaveLength(0);
		expect(server.received().length - before).toBe(1);
	});
});
