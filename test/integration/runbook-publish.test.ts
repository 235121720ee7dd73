import { beforeAll, describe, expect, it } from 'vitest';
import { loginAsAdmin, type ApiClient } from '../helpers/api.ts';

const SOURCE = `apiVersion: tend/v1
kind: Runbook
metadata: { name: publish-check, title: Publish check }
spec:
  target: crm-demo
  steps:
    - id: tell
      uses: notify
      with: { to: [role:admin], subject: hello }
`;

describe('publishing runbooks as code through the API', () => {
	let admin: ApiClient;
	beforeAll(async () => {
		admin = await loginAsAdmin();
	});

	const publish = (body: string, contentType = 'application/yaml') => admin.send('POST', '/api/v1/runbooks', body, contentType);

	it('publishes a new version, and the same source again changes nothing', async () => {
		const first = await publish(SOURCE);
		expect(first.status).toBe(201);
		const { version } = await first.json();
		const again = await publish(SOURCE);
		expect(again.status).toBe(200);
		expect((await again.json()).version).toBe(version);
		const changed = await publish(SOURCE.replace('subject: hello', 'subject: hello again'));
		expect(changed.status).toBe(201);
		expect((await changed.json()).version).toBe(version + 1);
		const versions = await admin.json<{ versions: Array<{ version: number }> }>('GET', '/api/v1/runbooks/publish-check/versions');
		expect(versions.body.versions.map((v) => v.version)).toEqual([version + 1, version]);

		const diff = await admin.json<{ from: number; to: number; identical: boolean; patch: string; steps: { changed: Array<{ id: string; fields: string[] }> } }>('GET', `/api/v1/runbooks/publish-check/diff?from=${version}`);
		expect(diff.status).toBe(200);
		expect(diff.body).toMatchObject({ from: version, to: version + 1, identical: false, steps: { changed: [{ id: 'tell', fields: ['with.subject'] }] } });
		expect(diff.body.patch).toContain('+      with: { to: [role:admin], subject: hello again }');
		expect((await admin.request('GET', '/api/v1/runbooks/publish-check/diff?from=abc')).status).toBe(400);
	});

	it('accepts the same document as JSON', async () => {
		const doc = { apiVersion: 'tend/v1', kind: 'Runbook', metadata: { name: 'publish-json', title: 'JSON' }, spec: { steps: [{ id: 'a', uses: 'notify', with: { to: ['role:admin'], subject: 's' } }] } };
		expect((await publish(JSON.stringify(doc, null, 2), 'application/json')).status).toBe(201);
	});

	it('answers malformed YAML with 422 problem+json naming the line, and publishes nothing', async () => {
		const response = await publish(SOURCE.replace('    - id: tell', '    - id: tell\n   bad: [unclosed'));
		expect(response.status).toBe(422);
		expect(response.headers.get('content-type')).toContain('application/problem+json');
		const body = await response.json();
		expect(body.errors[0].line).toBeGreaterThan(1);
	});

	it('names the path and line of an unknown step type', async () => {
		const response = await publish(SOURCE.replace('publish-check', 'publish-bad').replace('uses: notify', 'uses: notfy'));
		expect(response.status).toBe(422);
		const body = await response.json();
		expect(body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ path: 'spec.steps[0].uses', line: 8 })]));
		expect((await admin.request('GET', '/api/v1/runbooks/publish-bad')).status).toBe(404);
	});

	it('refuses another media type with 415', async () => {
		expect((await publish(SOURCE, 'text/plain')).status).toBe(415);
	});
});
