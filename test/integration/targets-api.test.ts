import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, type Db } from '../../db/client.ts';
import { auditLog } from '../../db/schema/index.ts';
import { freePort } from '../../dev/ports.ts';
import type { TargetConnections } from '../../shared/target-connections.ts';
import { anonymousClient, login, loginAsAdmin, webUrl, type ApiClient } from '../helpers/api.ts';
import { createScratchDatabase } from '../helpers/postgres.ts';
import { positionOf } from '../unit/runbook-helpers.ts';

/** Names unique to this run, so a second run against a kept stack starts clean. */
const suffix = randomBytes(3).toString('hex');
const names = { good: `crm-${suffix}`, broken: `broken-${suffix}`, secret: `crm-${suffix}-db`, wrongPort: `wrong-port-${suffix}`, silent: `silent-${suffix}` };

const targetYaml = (name: string, databases: Record<string, string>, urls: Record<string, string> = {}, allowHosts: string[] = []) => `apiVersion: tend/v1
kind: Target
metadata: { name: ${name}, title: Target ${name} }
spec:
  databases:
${Object.entries(databases).map(([key, url]) => `    ${key}: { url: "${url}" }`).join('\n')}
${Object.keys(urls).length ? `  urls:\n${Object.entries(urls).map(([key, url]) => `    ${key}: "${url}"`).join('\n')}\n` : ''}${allowHosts.length ? `  http: { allowHosts: [${allowHosts.map((h) => `"${h}"`).join(', ')}] }\n` : ''}`;

interface ProblemBody {
	status: number;
	errors?: Array<{ path: string; line?: number; column?: number; message: string }>;
}

/** Accepts connections and never answers: what a firewalled or hung server looks like to a client. */
async function silentServer(): Promise<{ port: number; close: () => Promise<void> }> {
	const sockets = new Set<Socket>();
	const server: Server = createServer((socket) => {
		sockets.add(socket);
		socket.on('error', () => {});
		socket.on('close', () => sockets.delete(socket));
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const address = server.address();
	if (!address || typeof address === 'string') throw new Error('no port');
	return {
		port: address.port,
		close: () => {
			for (const socket of sockets) socket.destroy();
			return new Promise((resolve) => server.close(() => resolve()));
		}
	};
}

describe('targets, secrets and test connection through the API', () => {
	let admin: ApiClient;
	let author: ApiClient;
	let operator: ApiClient;
	let viewer: ApiClient;
	let db: Db;
	let scratchUrl: string;
	let password: string;
	let silent: Awaited<ReturnType<typeof silentServer>>;

	const putSecret = (as: ApiClient, name: string, value: unknown) => as.json<ProblemBody | null>('PUT', `/api/v1/secrets/${name}`, { value });
	const publish = (as: ApiClient, body: string, contentType = 'application/yaml') => as.send('POST', '/api/v1/targets', body, contentType);
	const problemOf = async (response: Response) => {
		expect(response.headers.get('content-type')).toBe('application/problem+json');
		return (await response.json()) as ProblemBody;
	};
	const audits = (action: string, subject: string) => db.select().from(auditLog).where(and(eq(auditLog.action, action), eq(auditLog.subject, subject)));

	beforeAll(async () => {
		admin = await loginAsAdmin();
		const userPassword = randomBytes(12).toString('base64url');
		for (const [username, role] of [[`author-${suffix}`, 'author'], [`operator-${suffix}`, 'operator'], [`viewer-${suffix}`, 'viewer']]) {
			expect((await admin.json('POST', '/api/v1/users', { username, password: userPassword, roles: [role] })).status).toBe(201);
		}
		[author, operator, viewer] = await Promise.all(['author', 'operator', 'viewer'].map((role) => login(`${role}-${suffix}`, userPassword)));
		const appUrl = process.env.TEST_APP_DATABASE_URL;
		if (!appUrl) throw new Error('TEST_APP_DATABASE_URL is not set: run this suite through `npm test`');
		db = createDb(appUrl, { max: 2 });
		scratchUrl = await createScratchDatabase('target');
		password = decodeURIComponent(new URL(scratchUrl).password);
		expect(password.length).toBeGreaterThan(8);
		silent = await silentServer();
	});
	afterAll(async () => {
		await silent?.close();
		await db?.$client.end();
	});

	it('keeps secrets write-only: admins set them, nobody reads a value back, the audit names only the secret', async () => {
		expect((await putSecret(author, names.secret, scratchUrl)).status).toBe(403);
		expect((await anonymousClient().json('PUT', `/api/v1/secrets/${names.secret}`, { value: scratchUrl })).status).toBe(401);

		const set = await admin.request('PUT', `/api/v1/secrets/${names.secret}`, { value: scratchUrl });
		expect(set.status).toBe(204);
		expect(await set.text()).toBe('');
		expect((await putSecret(admin, names.secret, scratchUrl)).status).toBe(204);

		const entries = await audits('secret.put', `secret:${names.secret}`);
		expect(entries.map((e) => ({ actor: e.actor, details: e.details }))).toEqual([
			{ actor: 'admin', details: { created: true } },
			{ actor: 'admin', details: { created: false } }
		]);
		expect(JSON.stringify(entries)).not.toContain(password);

		const listed = await admin.json<{ secrets: Array<{ name: string; updatedAt: string }> }>('GET', '/api/v1/secrets');
		expect(listed.status).toBe(200);
		expect(listed.body.secrets).toContainEqual({ name: names.secret, updatedAt: expect.any(String) });
		expect(listed.body.secrets.find((s) => s.name === 'crm-demo-db')).toBeDefined();
		expect(JSON.stringify(listed.body)).not.toContain(password);
		expect((await author.json('GET', '/api/v1/secrets')).status).toBe(403);

		const badName = await putSecret(admin, 'has%20space', 'x');
		expect(badName).toMatchObject({ status: 422, body: { errors: [{ path: 'name', message: expect.stringContaining('letters, digits') }] } });
		expect((await putSecret(admin, names.silent, '')).body).toMatchObject({ status: 422, errors: [{ path: 'value', message: 'must not be empty' }] });
		expect((await admin.json<ProblemBody>('PUT', `/api/v1/secrets/${names.silent}`, { value: 'x', note: 'extra' })).status).toBe(422);
	});

	it('publishes a target whose document shows secret: references and never the value', async () => {
		// The health URL is the stack's own web app: the target names it, with its port, for steps and the connection test to reach it.
		const source = targetYaml(names.good, { main: `secret:${names.secret}` }, { health: `${webUrl()}/healthz` }, [new URL(webUrl()).host]);
		expect((await publish(operator, source)).status).toBe(403);
		const created = await publish(author, source);
		expect(created.status).toBe(201);
		expect(created.headers.get('location')).toBe(`/api/v1/targets/${names.good}`);
		expect(await created.json()).toEqual({ name: names.good, changed: true });
		const again = await publish(author, JSON.stringify({ apiVersion: 'tend/v1', kind: 'Target', metadata: { name: names.good, title: `Target ${names.good}` }, spec: { urls: { health: `${webUrl()}/healthz` }, databases: { main: { url: `secret:${names.secret}` } }, http: { allowHosts: [new URL(webUrl()).host] } } }), 'application/json');
		expect(again.status).toBe(200);
		expect(await again.json()).toEqual({ name: names.good, changed: false });
		expect((await audits('target.put', `target:${names.good}`)).map((e) => ({ actor: e.actor, details: e.details }))).toEqual([
			{ actor: `author-${suffix}`, details: { created: true, format: 'yaml', databases: ['main'] } }
		]);

		const one = await viewer.json<{ name: string; document: { spec: { databases: Record<string, { url: string }> } } }>('GET', `/api/v1/targets/${names.good}`);
		expect(one.status).toBe(200);
		expect(one.body.document.spec.databases.main.url).toBe(`secret:${names.secret}`);
		const all = await viewer.json<{ targets: Array<{ name: string; document: { spec: { databases: Record<string, { url: string }> } } }> }>('GET', '/api/v1/targets');
		expect(all.body.targets.find((t) => t.name === names.good)?.document.spec.databases.main.url).toBe(`secret:${names.secret}`);
		// The demo target is registered at start through the same store.
		expect(all.body.targets.find((t) => t.name === 'crm-demo')?.document.spec.databases.main.url).toBe('secret:crm-demo-db');
		expect((await audits('target.put', 'target:crm-demo'))[0]).toMatchObject({ actor: 'system', details: { databases: ['main'] } });
		for (const body of [one.body, all.body]) {
			expect(JSON.stringify(body)).not.toContain(password);
			expect(JSON.stringify(body)).not.toContain(scratchUrl);
		}
		expect((await anonymousClient().json('GET', `/api/v1/targets/${names.good}`)).status).toBe(401);
		expect((await viewer.json('GET', `/api/v1/targets/nope-${suffix}`)).status).toBe(404);
	});

	it('rejects bad documents with path, line and column, and changes nothing', async () => {
		const syntax = targetYaml(names.broken, { main: `secret:${names.secret}` }).replace('kind: Target\n', 'kind: Target\nkind: Target\n');
		const syntaxProblem = await problemOf(await publish(author, syntax));
		expect(syntaxProblem.status).toBe(422);
		expect(syntaxProblem.errors).toEqual([{ path: expect.any(String), ...positionOf(syntax, 'kind', { occurrence: 2 }), message: expect.stringMatching(/unique/) }]);

		const misspelt = targetYaml(names.broken, { main: `secret:${names.secret}` }).replace('  databases:', '  database:');
		expect((await problemOf(await publish(author, misspelt))).errors).toEqual([{ path: 'spec.database', ...positionOf(misspelt, 'database:'), message: 'unknown field "database"; did you mean "databases"?' }]);

		const missing = targetYaml(names.broken, { main: `secret:${names.secret}`, replica: `secret:missing-${suffix}` });
		const missingProblem = await problemOf(await publish(author, missing));
		expect(missingProblem.errors).toEqual([
			{ path: 'spec.databases.replica.url', ...positionOf(missing, `"secret:missing-`), message: expect.stringContaining(`secret "missing-${suffix}" does not exist`) }
		]);
		expect(missingProblem.errors?.[0].message).toContain(`PUT /api/v1/secrets/missing-${suffix}`);

		const inline = new URL(scratchUrl);
		const withPassword = targetYaml(names.broken, { main: inline.toString() });
		const passwordProblem = await problemOf(await publish(author, withPassword));
		expect(passwordProblem.errors).toEqual([{ path: 'spec.databases.main.url', ...positionOf(withPassword, '"postgres'), message: 'holds a password: store the URL as a secret and write secret:NAME here' }]);
		expect(JSON.stringify(passwordProblem)).not.toContain(password);

		// JSON is located too: its errors carry lines and columns like YAML's.
		const json = JSON.stringify({ apiVersion: 'tend/v1', kind: 'Target', metadata: { name: names.broken, title: 'B' }, spec: { databases: { main: { url: 'secret:nowhere-at-all' } } } }, null, 2);
		const jsonProblem = await problemOf(await publish(author, json, 'application/json'));
		expect(jsonProblem.errors).toEqual([{ path: 'spec.databases.main.url', ...positionOf(json, '"secret:nowhere'), message: expect.stringContaining('secret "nowhere-at-all" does not exist') }]);

		expect((await publish(author, 'x', 'text/plain')).status).toBe(415);
		expect((await admin.json('GET', `/api/v1/targets/${names.broken}`)).status).toBe(404);
		expect(await audits('target.put', `target:${names.broken}`)).toEqual([]);
	});

	it('tests connections: a good database and URL, a refused port, a silent server and a redirect — each a finding, not a 500', async () => {
		const good = await operator.json<TargetConnections>('POST', `/api/v1/targets/${names.good}/test`);
		expect(good.status).toBe(200);
		const scratch = new URL(scratchUrl);
		expect(good.body.databases).toEqual([
			{ name: 'main', ok: true, host: `${scratch.hostname}:${scratch.port}`, database: scratch.pathname.slice(1), serverVersion: expect.stringMatching(/^PostgreSQL \d+/), user: decodeURIComponent(scratch.username), readOnly: false, superuser: true, serverAccess: true, latencyMs: expect.any(Number), warnings: [expect.stringMatching(/^url connects as "tend", a superuser: steps refuse it/), expect.stringMatching(/^sql\.check refuses "tend"/)] }
		]);
		expect(good.body.urls).toEqual([{ name: 'health', url: `${webUrl()}/healthz`, ok: true, status: 200, latencyMs: expect.any(Number) }]);

		const wrongPort = new URL(scratchUrl);
		wrongPort.port = String(await freePort());
		expect((await putSecret(admin, names.wrongPort, wrongPort.toString())).status).toBe(204);
		const silentUrl = new URL(scratchUrl);
		silentUrl.hostname = '127.0.0.1';
		silentUrl.port = String(silent.port);
		expect((await putSecret(admin, names.silent, silentUrl.toString())).status).toBe(204);
		const web = new URL(webUrl());
		const local = `http://127.0.0.1:${web.port}`;
		const brokenSource = targetYaml(
			names.broken,
			{ main: `secret:${names.wrongPort}`, hung: `secret:${names.silent}` },
			{ health: `http://127.0.0.1:${silent.port}/healthz`, home: `${local}/`, missing: `${local}/no-such-page-${suffix}`, own: `http://[::1]:${web.port}/healthz`, metadata: 'http://169.254.169.254/latest/meta-data/' },
			// Loopback for the silent server; the web app as 127.0.0.1 with its port. Not the web app as [::1], nor the link-local metadata address.
			['127.0.0.1', `127.0.0.1:${web.port}`]
		);
		expect((await publish(author, brokenSource)).status).toBe(201);

		const broken = await operator.json<TargetConnections>('POST', `/api/v1/targets/${names.broken}/test`);
		expect(broken.status).toBe(200);
		const database = (name: string) => broken.body.databases.find((d) => d.name === name);
		expect(database('main')).toEqual({ name: 'main', ok: false, host: `${wrongPort.hostname}:${wrongPort.port}`, database: scratch.pathname.slice(1), latencyMs: expect.any(Number), error: `connection refused at ${wrongPort.hostname}:${wrongPort.port}: is PostgreSQL running and listening there?` });
		expect(database('hung')).toMatchObject({ ok: false, error: `no answer from 127.0.0.1:${silent.port} within 5 s` });
		const url = (name: string) => broken.body.urls.find((u) => u.name === name);
		expect(url('health')).toMatchObject({ ok: false, error: 'no answer within 5 s' });
		expect(url('home')).toMatchObject({ ok: false, status: 303, error: 'answered 303, a redirect (not followed)' });
		expect(url('missing')).toMatchObject({ ok: false, status: 404, error: 'answered 404 Not Found' });
		// The test connects under the policy the target's steps run under: Tend's own service and a link-local address are not even tried.
		expect(url('own')).toEqual({
			name: 'own',
			url: `http://[::1]:${web.port}/healthz`,
			ok: false,
			latencyMs: expect.any(Number),
			error: `not tried: ::1 (::1 port ${web.port}) is the Tend web app, one of Tend's own services; a step reaches it only if the target lists "[::1]:${web.port}" in spec.http.allowHosts`
		});
		expect(url('metadata')).toMatchObject({ ok: false, error: expect.stringContaining('169.254.169.254 resolves to 169.254.169.254, a link-local address (rule: link-local)') });

		for (const body of [good.body, broken.body]) expect(JSON.stringify(body)).not.toContain(password);
		expect((await viewer.json('POST', `/api/v1/targets/${names.good}/test`)).status).toBe(403);
		expect((await operator.json('POST', `/api/v1/targets/nope-${suffix}/test`)).status).toBe(404);
	});

	it('keeps the secret out of the web server’s log', () => {
		const home = process.env.TEST_HOME;
		if (!home) throw new Error('TEST_HOME is not set: run this suite through `npm test`');
		const log = readFileSync(join(home, 'logs', 'web.log'), 'utf8');
		expect(log).not.toContain(password);
	});
});
