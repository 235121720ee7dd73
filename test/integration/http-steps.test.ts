import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunView, StepView } from '../../web/src/lib/run-types.ts';
import { type ApiClient, loginAsAdmin, putSecret, runSteps } from '../helpers/api.ts';
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

	beforeAll(async () => {
		[api, worker, server] = await Promise.all([loginAsAdmin(), startWorker(), startReceiver()]);
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
		]);

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
		]);

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
});
