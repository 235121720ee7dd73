import { randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { anonymousClient, login, loginAsAdmin, type ApiClient } from '../helpers/api.ts';

/** Names unique to this run, so a second run against a kept stack starts clean. */
const suffix = randomBytes(3).toString('hex');
const name = `draft-check-${suffix}`;

const runbook = (title: string) => `apiVersion: tend/v1
kind: Runbook
metadata: { name: ${name}, title: ${title} }
spec:
  steps:
    - id: pause
      uses: wait
      with: { duration: 1s }
`;

interface DraftJson {
	name: string;
	source: string;
	baseVersion: number | null;
	updatedBy: string;
	updatedAt: string;
}

interface ProblemJson {
	status: number;
	title: string;
	errors?: Array<{ path: string; message: string }>;
}

describe('the builder’s drafts API', () => {
	let admin: ApiClient;
	let author: ApiClient;
	let viewer: ApiClient;
	const authorName = `author-${suffix}`;

	beforeAll(async () => {
		admin = await loginAsAdmin();
		const people: Record<string, ApiClient> = {};
		for (const [username, role] of [[authorName, 'author'], [`viewer-${suffix}`, 'viewer']] as const) {
			const password = randomBytes(12).toString('base64url');
			expect((await admin.json('POST', '/api/v1/users', { username, password, roles: [role], email: `${username}@example.test` })).status).toBe(201);
			people[role] = await login(username, password);
		}
		author = people.author;
		viewer = people.viewer;
	});

	it('keeps one draft per name, round trip, until it is discarded', async () => {
		expect((await author.json('GET', `/api/v1/runbooks/${name}/draft`)).status).toBe(404);

		// A draft may be invalid: it is work in progress.
		const unfinished = `${runbook('Draft check')}    - id: oops\n      uses: [not, valid\n`;
		const saved = await author.json<DraftJson>('PUT', `/api/v1/runbooks/${name}/draft`, { source: unfinished, baseVersion: null });
		expect(saved.status).toBe(200);
		expect(saved.body).toMatchObject({ name, source: unfinished, baseVersion: null, updatedBy: authorName });

		const read = await admin.json<DraftJson>('GET', `/api/v1/runbooks/${name}/draft`);
		expect(read.body).toMatchObject({ source: unfinished, updatedBy: authorName });

		// Saving again replaces it, and records who saved last.
		const second = await admin.json<DraftJson>('PUT', `/api/v1/runbooks/${name}/draft`, { source: runbook('Second'), baseVersion: null });
		expect(second.body).toMatchObject({ source: runbook('Second'), updatedBy: 'admin' });
		expect(Date.parse(second.body.updatedAt)).toBeGreaterThanOrEqual(Date.parse(saved.body.updatedAt));

		const discarded = await author.request('DELETE', `/api/v1/runbooks/${name}/draft`);
		expect(discarded.status).toBe(204);
		expect((await author.json('GET', `/api/v1/runbooks/${name}/draft`)).status).toBe(404);
		expect((await author.request('DELETE', `/api/v1/runbooks/${name}/draft`)).status).toBe(404);
	});

	it('ties a draft to a published version that exists', async () => {
		expect((await author.send('POST', '/api/v1/runbooks', runbook('Published'), 'application/yaml')).status).toBe(201);
		const onVersion = await author.json<DraftJson>('PUT', `/api/v1/runbooks/${name}/draft`, { source: runbook('Edited'), baseVersion: 1 });
		expect(onVersion.body.baseVersion).toBe(1);

		const missing = await author.json<ProblemJson>('PUT', `/api/v1/runbooks/${name}/draft`, { source: runbook('Edited'), baseVersion: 7 });
		expect(missing.status).toBe(422);
		expect(missing.body.errors).toEqual([expect.objectContaining({ path: 'baseVersion' })]);
		expect((await author.request('DELETE', `/api/v1/runbooks/${name}/draft`)).status).toBe(204);
	});

	it('answers mistakes with problem+json and field paths', async () => {
		const badName = await author.request('PUT', '/api/v1/runbooks/Not_A_Name/draft', { source: 'x', baseVersion: null });
		expect(badName.status).toBe(400);
		expect(badName.headers.get('content-type')).toBe('application/problem+json');
		expect(((await badName.json()) as ProblemJson).errors?.[0].path).toBe('name');

		const noSource = await author.json<ProblemJson>('PUT', `/api/v1/runbooks/${name}/draft`, { baseVersion: 'one' });
		expect(noSource.status).toBe(422);
		expect(noSource.body.errors?.map((e) => e.path).sort()).toEqual(['baseVersion', 'source']);

		// Too long for a draft, though the request itself is one the server reads…
		const tooLong = await author.json<ProblemJson>('PUT', `/api/v1/runbooks/${name}/draft`, { source: 'x'.repeat(400_001), baseVersion: null });
		expect(tooLong.status).toBe(413);
		expect(tooLong.body.errors?.[0].path).toBe('source');
		// …and a request too large to read at all.
		expect((await author.json('PUT', `/api/v1/runbooks/${name}/draft`, { source: 'x'.repeat(1_000_000), baseVersion: null })).status).toBe(413);

		const asYaml = await author.send('PUT', `/api/v1/runbooks/${name}/draft`, runbook('Draft'), 'application/yaml');
		expect(asYaml.status).toBe(415);
	});

	it('is for authors only', async () => {
		expect((await anonymousClient().request('GET', `/api/v1/runbooks/${name}/draft`)).status).toBe(401);
		for (const [method, body] of [['GET'], ['PUT', { source: runbook('Sneaky'), baseVersion: null }], ['DELETE']] as const) {
			const response = await viewer.request(method, `/api/v1/runbooks/${name}/draft`, body);
			expect(response.status, method).toBe(403);
			expect(response.headers.get('content-type')).toBe('application/problem+json');
		}
	});
});
