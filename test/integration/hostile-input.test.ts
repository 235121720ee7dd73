import fc from 'fast-check';
import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anonymousClient, eventually, login, loginAsAdmin, webUrl, type ApiClient } from '../helpers/api.ts';
import { startWorker, type TestWorker } from '../helpers/worker.ts';

/**
 * Hostile input never reaches PostgreSQL or Temporal (DESIGN §7): NUL, lone surrogates, integers
 * out of range, over-long text, deep nesting, huge expressions and prototype keys are each a 4xx
 * problem+json naming the field, at the boundary — from the JSON API, in documents, and through
 * pages and form actions. Then fast-check throws generated bodies at every operation that takes one.
 */

interface Problem {
	status: number;
	title: string;
	detail?: string;
	errors?: Array<{ path: string; message: string; line?: number; column?: number }>;
}

const suffix = randomBytes(3).toString('hex');
const NUL = '\u0000';
const LONE = '\ud800';

/** A raw request: a body as written (not re-encoded), so escapes and bytes arrive exactly as a hostile client sends them. */
async function raw(client: ApiClient, method: string, path: string, body: string | Uint8Array, contentType = 'application/json'): Promise<{ status: number; type: string; body: Problem }> {
	const response = await client.send(method, path, (method === 'GET' ? undefined : body) as string, contentType);
	const text = await response.text();
	return { status: response.status, type: response.headers.get('content-type') ?? '', body: text ? (JSON.parse(text) as Problem) : ({} as Problem) };
}

function expectProblem(answer: { status: number; type: string; body: Problem }, status: number, path?: string | RegExp) {
	expect(answer.status, JSON.stringify(answer.body)).toBe(status);
	expect(answer.type).toBe('application/problem+json');
	if (path !== undefined) expect(answer.body.errors?.map((e) => e.path)).toContainEqual(typeof path === 'string' ? path : expect.stringMatching(path));
}

/** A form post as a browser sends it (SvelteKit wants this site's Origin on one). */
const postForm = (path: string, fields: Record<string, string>, cookie?: string) =>
	fetch(`${webUrl()}${path}`, {
		method: 'POST',
		redirect: 'manual',
		headers: { origin: webUrl(), 'content-type': 'application/x-www-form-urlencoded', ...(cookie ? { cookie } : {}) },
		body: new URLSearchParams(fields).toString()
	});

async function sessionCookie(username: string, password: string): Promise<string> {
	const signedIn = await fetch(`${webUrl()}/api/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }) });
	return signedIn.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
}

const runbookJson = (name: string, extra: { title?: string; if?: string; inputs?: object } = {}) =>
	JSON.stringify({
		apiVersion: 'tend/v1',
		kind: 'Runbook',
		metadata: { name, title: extra.title ?? name },
		spec: { inputs: extra.inputs ?? { a: { type: 'string' } }, steps: [{ id: 'tell', uses: 'notify', ...(extra.if ? { if: extra.if } : {}), with: { to: ['role:admin'], channel: 'in-app', subject: 'x' } }] }
	});

describe('hostile input is refused at the boundary, with the field path', () => {
	let admin: ApiClient;
	let approver: ApiClient;
	let approverCookie: string;
	let worker: TestWorker;
	const runbook = `hostile-${suffix}`;

	beforeAll(async () => {
		[admin, worker] = await Promise.all([loginAsAdmin(), startWorker()]);
		const password = randomBytes(12).toString('base64url');
		expect((await admin.json('POST', '/api/v1/users', { username: `hostile-approver-${suffix}`, password, roles: ['approver'] })).status).toBe(201);
		approver = await login(`hostile-approver-${suffix}`, password);
		approverCookie = await sessionCookie(`hostile-approver-${suffix}`, password);
		const approval = `apiVersion: tend/v1
kind: Runbook
metadata: { name: ${runbook}, title: Hostile input }
spec:
  inputs:
    a: { type: string }
  steps:
    - id: ask
      uses: approval
      with: { approvers: [role:approver], message: "Go?" }
    - id: tell
      uses: notify
      with: { to: [role:admin], channel: in-app, subject: "hostile done" }
`;
		expect((await admin.send('POST', '/api/v1/runbooks', approval, 'application/yaml')).status).toBe(201);
	});
	afterAll(async () => {
		await admin?.request('DELETE', '/api/v1/emergency-stop');
		await worker?.stop();
	});

	describe('NUL characters (PostgreSQL error 22021 before)', () => {
		it('in a username, signing in anonymously or creating a user', async () => {
			expectProblem(await raw(anonymousClient(), 'POST', '/api/v1/session', JSON.stringify({ username: `ad${NUL}min`, password: 'x' })), 422, 'username');
			expectProblem(await raw(admin, 'POST', '/api/v1/users', JSON.stringify({ username: `n${NUL}ul`, password: 'a-long-password-1', roles: ['viewer'] })), 422, 'username');
			expectProblem(await raw(admin, 'POST', '/api/v1/users', JSON.stringify({ username: `nul-${suffix}`, password: 'a-long-password-1', roles: ['viewer'], displayName: `N${NUL}` })), 422, 'displayName');
		});

		it('in names and tags of tokens and documents, at the document’s line', async () => {
			expectProblem(await raw(admin, 'POST', '/api/v1/tokens', JSON.stringify({ name: `t${NUL}` })), 422, 'name');
			const target = { apiVersion: 'tend/v1', kind: 'Target', metadata: { name: `nul-${suffix}`, title: 'T', tags: [`crm${NUL}`] }, spec: { databases: {} } };
			const answer = await raw(admin, 'POST', '/api/v1/targets', JSON.stringify(target, null, 2));
			expectProblem(answer, 422, 'metadata.tags[0]');
			expect(answer.body.errors?.[0]).toMatchObject({ line: 8, message: expect.stringContaining('NUL') });
			expectProblem(await raw(admin, 'POST', '/api/v1/runbooks', `apiVersion: tend/v1\nkind: Runbook\nmetadata: { name: nul-${suffix}, title: "a\\0b" }\nspec: { steps: [{ id: s, uses: notify, with: { to: [role:admin], subject: x } }] }\n`, 'application/yaml'), 422, 'metadata.title');
		});

		it('in a decision comment, which leaves the approval open for the approver’s next try', async () => {
			const run = (await admin.json<{ id: string }>('POST', `/api/v1/runbooks/${runbook}/runs`, { inputs: {} })).body.id;
			await eventually('the approval to wait', async () => (await admin.json<{ steps: Array<{ id: string; status: string }> }>('GET', `/api/v1/runs/${run}`)).body.steps.find((s) => s.id === 'ask' && s.status === 'waiting'));
			expectProblem(await raw(approver, 'POST', `/api/v1/runs/${run}/steps/ask/decision`, JSON.stringify({ decision: 'approve', comment: `ok${NUL}` })), 422, 'comment');
			expect((await postForm(`/runs/${run}?/decide`, { stepId: 'ask', decision: 'approve', comment: `ok${NUL}` }, approverCookie)).status).toBe(400);
			const counted = await approver.json<{ verdict: string }>('POST', `/api/v1/runs/${run}/steps/ask/decision`, { decision: 'approve', comment: 'ok' });
			expect(counted).toMatchObject({ status: 200, body: { verdict: 'approved' } });
		});
	});

	it('refuses lone UTF-16 surrogates, in JSON escapes and in YAML', async () => {
		expectProblem(await raw(anonymousClient(), 'POST', '/api/v1/session', `{"username": "x\\ud800", "password": "y"}`), 422, 'username');
		expectProblem(await raw(admin, 'POST', '/api/v1/runbooks', runbookJson(`surrogate-${suffix}`, { title: `x${LONE}` })), 422, 'metadata.title');
		expectProblem(await raw(admin, 'POST', '/api/v1/windows', `apiVersion: tend/v1\nkind: Window\nmetadata: { name: s-${suffix}, title: "\\udc00" }\nspec: {}\n`, 'application/yaml'), 422, 'metadata.title');
	});

	it('refuses integers outside PostgreSQL’s range, and bytes that are not UTF-8', async () => {
		expectProblem(await raw(admin, 'POST', `/api/v1/runbooks/${runbook}/runs`, '{"inputs": {}, "version": 2147483648}'), 422, 'version');
		expectProblem(await raw(admin, 'POST', `/api/v1/runbooks/${runbook}/dry-run`, '{"version": 1e20}'), 422, 'version');
		expectProblem(await raw(admin, 'GET', `/api/v1/runbooks/${runbook}?version=99999999999`, ''), 400, 'version');
		expectProblem(await raw(admin, 'PUT', `/api/v1/runbooks/${runbook}/draft`, '{"source": "x", "baseVersion": 9007199254740993}'), 422, 'baseVersion');
		expectProblem(await raw(admin, 'POST', '/api/v1/tokens', new Uint8Array([0x7b, 0x22, 0x6e, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d])), 400);
	});

	it('refuses over-long text with the field and its limit', async () => {
		const long = (n: number) => 'x'.repeat(n);
		expectProblem(await raw(approver, 'POST', `/api/v1/runs/${randomUUID()}/steps/ask/decision`, JSON.stringify({ decision: 'approve', comment: long(2001) })), 422, 'comment');
		expectProblem(await raw(anonymousClient(), 'POST', '/api/v1/session', JSON.stringify({ username: long(201), password: 'x' })), 422, 'username');
		expectProblem(await raw(admin, 'POST', '/api/v1/tokens', JSON.stringify({ name: long(101) })), 422, 'name');
		// Characters, as JSON Schema counts them: 2,000 emoji are 4,000 UTF-16 units and still fit.
		const emoji = await raw(admin, 'POST', '/api/v1/emergency-stop', JSON.stringify({ reason: '🛑'.repeat(2001) }));
		expectProblem(emoji, 422, 'reason');
	});

	it('refuses nesting deeper than 64 levels, in JSON bodies and in documents', async () => {
		const deep = (n: number) => `${'{"a":'.repeat(n)}1${'}'.repeat(n)}`;
		expectProblem(await raw(admin, 'POST', `/api/v1/runbooks/${runbook}/runs`, `{"inputs": {"a": ${deep(100_000)}}}`), 422, /^inputs\.a(\.a)+$/);
		const yaml = await raw(admin, 'POST', '/api/v1/targets', `apiVersion: tend/v1\nkind: Target\nmetadata: { name: deep-${suffix}, title: ${'['.repeat(10_000)} }\n`, 'application/yaml');
		expectProblem(yaml, 422);
		expect(yaml.body.errors?.[0]).toMatchObject({ line: 3, message: expect.stringContaining('64 levels') });
	});

	it('reports a 100,000-term expression as an expression error, at its step', async () => {
		// Terms short enough that 100,000 of them fit the size limits (1 MB for a document and for a dry run's source).
		const published = await raw(admin, 'POST', '/api/v1/runbooks', runbookJson(`huge-${suffix}`, { if: `\${{ ${Array(100_000).fill('true').join('||')} }}` }));
		const source = runbookJson(`huge-${suffix}`, { if: `\${{ ${Array(100_000).fill('1').join(' || ')} }}` });
		const dryRun = await raw(admin, 'POST', `/api/v1/runbooks/huge-${suffix}/dry-run`, JSON.stringify({ source }));
		expectProblem(published, 422, 'spec.steps[0].if');
		expectProblem(dryRun, 422, 'source:spec.steps[0].if');
		for (const answer of [published, dryRun]) {
			expect(answer.body.errors?.[0].message).toMatch(/too long: at most 1000/);
			expect(answer.body.errors?.[0].message.length).toBeLessThan(400);
		}
	});

	it('refuses constructor, __proto__ and prototype as keys, nested or on top', async () => {
		expectProblem(await raw(admin, 'POST', `/api/v1/runbooks/${runbook}/runs`, '{"inputs": {"constructor": {"name": "x"}}}'), 422, 'inputs.constructor');
		expectProblem(await raw(admin, 'POST', `/api/v1/runbooks/${runbook}/runs`, '{"__proto__": {"admin": true}, "inputs": {}}'), 422, '__proto__');
		expectProblem(await raw(admin, 'POST', `/api/v1/runbooks/${runbook}/dry-run`, '{"inputs": {"prototype": "x"}}'), 422, 'inputs.prototype');
		const doc = await raw(admin, 'POST', '/api/v1/runbooks', `apiVersion: tend/v1\nkind: Runbook\nmetadata: { name: proto-${suffix}, title: P }\nspec:\n  steps:\n    - id: s\n      uses: http.request\n      with: { url: "https://example.test", body: { constructor: { prototype: 1 } } }\n`, 'application/yaml');
		expectProblem(doc, 422, 'spec.steps[0].with.body.constructor');
		expect(doc.body.errors?.[0].line).toBe(8);
	});

	it('answers NUL in a path or query of the API with the status its contract declares', async () => {
		expectProblem(await raw(admin, 'GET', '/api/v1/runbooks/%00', ''), 404, 'name');
		expectProblem(await raw(admin, 'GET', '/api/v1/runs?runbook=%00', ''), 400, 'runbook');
		expectProblem(await raw(admin, 'GET', `/api/v1/runbooks/${runbook}/diff?from=1&to=%00`, ''), 400, 'to');
	});

	describe('pages and form actions', () => {
		it('answer 400 to a form field holding NUL', async () => {
			expect((await postForm('/login?/login', { username: `ad${NUL}min`, password: 'x' })).status).toBe(400);
			expect((await postForm('/admin/users?/create', { username: `u${NUL}`, password: 'a-long-password-1', roles: 'viewer' }, approverCookie)).status).toBe(400);
		});

		it('answer 400 to a URL holding NUL', async () => {
			for (const path of ['/runs?runbook=%00', '/runbooks/%00', `/runs/${randomUUID()}%00`]) {
				const response = await fetch(`${webUrl()}${path}`, { redirect: 'manual', headers: { cookie: approverCookie } });
				expect(response.status, path).toBe(400);
			}
		});
	});

	describe('fast-check over every operation that reads a body', () => {
		interface Operation {
			method: string;
			path: string;
			mediaType: string;
		}
		let operations: Operation[];

		beforeAll(async () => {
			const document = (await admin.json<{ paths: Record<string, Record<string, { requestBody?: { content: Record<string, unknown> } }>> }>('GET', '/api/v1/openapi.json')).body;
			operations = Object.entries(document.paths).flatMap(([path, item]) =>
				Object.entries(item).flatMap(([method, operation]) => (operation.requestBody ? Object.keys(operation.requestBody.content).map((mediaType) => ({ method: method.toUpperCase(), path, mediaType })) : []))
			);
			expect(operations.length).toBeGreaterThan(15);
		});

		/** A path whose parameters are well formed but name nothing of another test's: the body is what is tried. */
		const concrete = (path: string) =>
			`/api/v1${path}`
				.replace('{id}', path.startsWith('/schedules') ? `sched-fuzz-${suffix}` : randomUUID())
				.replace('{name}', `fuzz-${suffix}`)
				.replace('{username}', `fuzz-${suffix}`)
				.replace('{stepId}', 'ask');

		/** One thing the boundary must refuse wherever it is: NUL, a lone surrogate, a prototype key, nesting past 64 levels. */
		const poison = fc.constantFrom<unknown>(`a${NUL}b`, `${LONE}a`, JSON.parse('{"__proto__": 1}'), { constructor: {} }, { prototype: [] }, JSON.parse(`${'['.repeat(70)}${']'.repeat(70)}`));
		const keys = fc.constantFrom('reason', 'comment', 'name', 'inputs', 'source', 'metadata', 'username', 'value', 'decision', 'items');
		/** A JSON value with a poison somewhere in it: alone, in a list, or under a key a route reads. */
		const poisoned: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
			value: fc.oneof(
				{ depthSize: 'small', withCrossShrink: true },
				poison,
				fc.tuple(tie('value'), fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 3 }), fc.nat()).map(([bad, items, at]): unknown[] => [...items.slice(0, at % (items.length + 1)), bad, ...items.slice(at % (items.length + 1))]),
				fc.tuple(tie('value'), fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }), keys).map(([bad, entries, key]) => ({ ...entries, [key]: bad }))
			)
		})).value;

		it('refuses every body holding NUL, a lone surrogate, a prototype key or deep nesting with a 4xx naming a path', async () => {
			let tried = 0;
			for (const operation of operations) {
				await fc.assert(
					fc.asyncProperty(poisoned, async (value) => {
						tried++;
						const answer = await raw(admin, operation.method, concrete(operation.path), JSON.stringify(value), operation.mediaType);
						expect(answer.status, `${operation.method} ${operation.path} ${JSON.stringify(value).slice(0, 200)}`).toBeGreaterThanOrEqual(400);
						expect(answer.status).toBeLessThan(500);
						expect(answer.type).toBe('application/problem+json');
						if (answer.status === 422) expect(answer.body.errors?.length).toBeGreaterThan(0);
					}),
					{ numRuns: 12 }
				);
			}
			console.log(`[hostile] ${tried} poisoned bodies, 0 answered 5xx`);
		});

		it('answers any JSON value at all without a 5xx', async () => {
			let tried = 0;
			for (const operation of operations) {
				await fc.assert(
					fc.asyncProperty(fc.jsonValue({ maxDepth: 4 }), async (value) => {
						tried++;
						const answer = await raw(admin, operation.method, concrete(operation.path), JSON.stringify(value), operation.mediaType);
						expect(answer.status, `${operation.method} ${operation.path} ${JSON.stringify(value).slice(0, 200)}`).toBeLessThan(500);
						if (answer.status >= 400) expect(answer.type).toBe('application/problem+json');
					}),
					{ numRuns: 12 }
				);
			}
			console.log(`[hostile] ${tried} arbitrary bodies, 0 answered 5xx`);
		});
	});
});
