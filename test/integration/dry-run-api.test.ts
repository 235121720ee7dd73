import { randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { anonymousClient, login, loginAsAdmin, type ApiClient } from '../helpers/api.ts';

const suffix = randomBytes(3).toString('hex');
const NAME = `dry-run-${suffix}`;
const source = (subject: string) => `apiVersion: tend/v1
kind: Runbook
metadata: { name: ${NAME}, title: Dry run check }
spec:
  onFailure: rollback
  inputs:
    release: { type: string, default: '1.0' }
  steps:
    - id: apply
      uses: http.request
      with: { url: "http://127.0.0.1:9/apply/\${{ inputs.release }}" }
      rollback: { uses: http.request, with: { url: "http://127.0.0.1:9/undo" } }
    - id: wipe
      uses: sql.exec
      with: { database: main, query: "delete from t" }
    - id: tell
      uses: notify
      with: { to: [role:admin], subject: "${subject}" }
`;

interface DryRunBody {
	runbook: string;
	version: number | null;
	status: string;
	steps: Array<{ id: string; outcome: string; wave: number; with: Record<string, unknown> }>;
	rollbacks: Array<{ stepId: string }>;
	errors?: Array<{ path: string }>;
}

describe('the dry-run API', () => {
	let admin: ApiClient;
	let viewer: ApiClient;
	beforeAll(async () => {
		admin = await loginAsAdmin();
		const password = randomBytes(12).toString('hex');
		expect((await admin.json('POST', '/api/v1/users', { username: `dry-viewer-${suffix}`, password, roles: ['viewer'] })).status).toBe(201);
		viewer = await login(`dry-viewer-${suffix}`, password);
		expect((await admin.send('POST', '/api/v1/runbooks', source('v1'), 'application/yaml')).status).toBe(201);
		expect((await admin.send('POST', '/api/v1/runbooks', source('v2'), 'application/yaml')).status).toBe(201);
	});

	const path = `/api/v1/runbooks/${NAME}/dry-run`;

	it('simulates the latest published version for a reader, with the implicit gate before the high-risk step', async () => {
		const { status, body } = await viewer.json<DryRunBody>('POST', path, { inputs: { release: '2.0' } });
		expect(status).toBe(200);
		expect(body.version).toBe(2);
		expect(body.status).toBe('succeeded');
		expect(body.steps.map((s) => [s.id, s.wave, s.outcome])).toEqual([
			['apply', 1, 'succeeds'],
			['wipe.approval', 2, 'approved'],
			['wipe', 3, 'succeeds'],
			['tell', 4, 'succeeds']
		]);
		expect(body.steps[0].with.url).toBe('http://127.0.0.1:9/apply/2.0');
		expect(body.steps[3].with.subject).toBe('v2');
	});

	it('simulates an older version and a rejection: what succeeded is rolled back', async () => {
		const { status, body } = await viewer.json<DryRunBody>('POST', path, { version: 1, reject: ['wipe.approval'] });
		expect(status).toBe(200);
		expect(body).toMatchObject({ version: 1, status: 'rolled_back', rollbacks: [{ stepId: 'apply' }] });
		expect(body.steps.find((s) => s.id === 'tell')).toMatchObject({ outcome: 'never_starts', with: { subject: 'v1' } });
	});

	it('simulates a document sent as source without publishing it', async () => {
		const { status, body } = await viewer.json<DryRunBody>('POST', path, { source: source('draft'), failAt: 'tell' });
		expect(status).toBe(200);
		expect(body).toMatchObject({ version: null, status: 'rolled_back' });
		expect((await admin.json<{ latestVersion: number }>('GET', `/api/v1/runbooks/${NAME}`)).body.latestVersion).toBe(2);
	});

	it('answers problems with field paths: unknown steps, invalid source, missing runbook, no sign-in', async () => {
		const unknown = await viewer.json<DryRunBody>('POST', path, { failAt: 'nope', reject: ['apply'] });
		expect(unknown.status).toBe(422);
		expect(unknown.body.errors?.map((e) => e.path)).toEqual(['failAt', 'reject[0]']);
		const invalid = await viewer.json<DryRunBody>('POST', path, { source: source('x').replace('uses: notify', 'uses: notfy') });
		expect(invalid.status).toBe(422);
		expect(invalid.body.errors?.[0].path).toBe('source:spec.steps[2].uses');
		expect((await viewer.request('POST', `/api/v1/runbooks/no-such-${suffix}/dry-run`, {})).status).toBe(404);
		const anonymous = await anonymousClient().request('POST', path, {});
		expect(anonymous.status).toBe(401);
		expect(anonymous.headers.get('content-type')).toContain('application/problem+json');
	});
});
