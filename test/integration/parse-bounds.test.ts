import { randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { MAX_DOCUMENT_BYTES, MAX_STEPS } from '../../runbooks/limits.ts';
import { login, loginAsAdmin, webUrl, type ApiClient } from '../helpers/api.ts';
import { largeRunbook } from '../helpers/large-runbook.ts';

/**
 * Hole 6: a viewer's 9,000-step dry run held the event loop for 11 s. Documents are now bounded
 * (runbooks/limits.ts) and parsed on worker threads, so /healthz answers while the largest
 * allowed documents are checked, and a document past a bound is refused with the limit and field.
 */
const suffix = randomBytes(3).toString('hex');
const NAME = `bounds-${suffix}`;

interface Problem {
	status: number;
	detail?: string;
	errors?: Array<{ path: string; message: string }>;
}

describe('document bounds and parsing off the request thread', () => {
	let admin: ApiClient;
	let viewer: ApiClient;
	beforeAll(async () => {
		admin = await loginAsAdmin();
		const password = randomBytes(12).toString('hex');
		expect((await admin.json('POST', '/api/v1/users', { username: `bounds-viewer-${suffix}`, password, roles: ['viewer'] })).status).toBe(201);
		viewer = await login(`bounds-viewer-${suffix}`, password);
		expect((await admin.send('POST', '/api/v1/runbooks', 'apiVersion: tend/v1\nkind: Runbook\nmetadata: { name: ' + NAME + ', title: t }\nspec:\n  steps:\n    - { id: a, uses: wait, with: { duration: 1s } }\n', 'application/yaml')).status).toBe(201);
	});

	it('keeps answering /healthz while several of the largest allowed documents are dry run at once', async () => {
		const source = largeRunbook(NAME);
		expect(Buffer.byteLength(source)).toBeGreaterThan(MAX_DOCUMENT_BYTES * 0.99);
		const started = performance.now();
		let pending = 4;
		const dryRuns = Array.from({ length: pending }, async () => {
			const answer = await viewer.json<{ steps: unknown[]; status: string }>('POST', `/api/v1/runbooks/${NAME}/dry-run`, { source });
			pending--;
			return { ...answer, ms: performance.now() - started };
		});
		const answeredWhileParsing: number[] = [];
		const all = Promise.all(dryRuns);
		let finished = false;
		void all.finally(() => (finished = true));
		while (!finished) {
			const asked = performance.now();
			const health = await fetch(`${webUrl()}/healthz`);
			if (health.ok && pending > 0) answeredWhileParsing.push(performance.now() - asked);
			await new Promise((resolve) => setTimeout(resolve, 50));
		}
		const results = await all;
		for (const result of results) {
			expect(result.status).toBe(200);
			expect(result.body.steps.length).toBe(MAX_STEPS);
		}
		// The event loop stayed free: health checks came back while the parses were still running.
		expect(answeredWhileParsing.length).toBeGreaterThan(0);
		console.log(
			`[bounds] 4 dry runs of a ${Buffer.byteLength(source)}-byte, ${MAX_STEPS}-step runbook took ${results.map((r) => Math.round(r.ms)).join(', ')} ms; ` +
				`${answeredWhileParsing.length} health checks answered meanwhile, slowest ${Math.round(Math.max(...answeredWhileParsing))} ms`
		);
	});

	it('refuses one step too many with 422 naming the limit and the field', async () => {
		const source = largeRunbook(NAME, { steps: MAX_STEPS + 1, fan: 1, bytes: 300_000 });
		const dry = await viewer.json<Problem>('POST', `/api/v1/runbooks/${NAME}/dry-run`, { source });
		expect(dry.status).toBe(422);
		expect(dry.body.errors).toContainEqual(expect.objectContaining({ path: 'source:spec.steps', message: `a runbook may have at most ${MAX_STEPS} steps` }));
		const published = await admin.send('POST', '/api/v1/runbooks', source, 'application/yaml');
		expect(published.status).toBe(422);
		expect(((await published.json()) as Problem).errors).toContainEqual(expect.objectContaining({ path: 'spec.steps', message: `a runbook may have at most ${MAX_STEPS} steps` }));
	});

	it('refuses a document past the byte bound with 413 naming the limit and the field, for every document route', async () => {
		const source = largeRunbook(NAME, { steps: 10, bytes: MAX_DOCUMENT_BYTES + 10 });
		const dry = await viewer.json<Problem>('POST', `/api/v1/runbooks/${NAME}/dry-run`, { source });
		expect(dry.status).toBe(413);
		expect(dry.body.errors).toEqual([{ path: 'source', message: `a runbook document may be at most ${MAX_DOCUMENT_BYTES} bytes` }]);
		for (const [route, what] of [['runbooks', 'runbook'], ['targets', 'target'], ['windows', 'window']]) {
			const response = await admin.send('POST', `/api/v1/${route}`, source, 'application/yaml');
			expect(response.status, route).toBe(413);
			expect(((await response.json()) as Problem).errors, route).toEqual([{ path: '(body)', message: `a ${what} document may be at most ${MAX_DOCUMENT_BYTES} bytes` }]);
		}
	});

	it('answers a document nested past what the parser can read with 422, not a 500', async () => {
		const deep = `${'['.repeat(200_000)}${']'.repeat(200_000)}`;
		const dry = await viewer.json<Problem>('POST', `/api/v1/runbooks/${NAME}/dry-run`, { source: deep });
		expect(dry.status).toBe(422);
	});
});
