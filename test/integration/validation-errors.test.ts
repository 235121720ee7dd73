import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { loginAsAdmin, type ApiClient } from '../helpers/api.ts';
import { positionOf } from '../unit/runbook-helpers.ts';

/**
 * DESIGN §3: every error a user can cause is answered as application/problem+json with the path,
 * line and column of the offending text and a message that says what to do, and a rejected
 * document changes nothing. One document per class of mistake, sent as an author would send it.
 * Expected positions are read off the source sent, not copied from the server's answer.
 */

interface Problem {
	status: number;
	detail?: string;
	errors?: Array<{ path: string; line?: number; column?: number; message: string }>;
}

/** Unique per test run, so a rerun against a kept stack finds no runbook of the same name. */
const unique = (label: string) => `ve-${label}-${randomUUID().slice(0, 8)}`;

const yamlRunbook = (name: string, spec: string) => `apiVersion: tend/v1\nkind: Runbook\nmetadata: { name: ${name}, title: Validation check }\nspec:\n${spec}`;
const tell = (id: string, extra = '') => `{ id: ${id}, uses: notify${extra}, with: { to: [role:admin], subject: done } }`;

const jsonRunbook = (name: string, steps: unknown[]) =>
	JSON.stringify({ apiVersion: 'tend/v1', kind: 'Runbook', metadata: { name, title: 'Validation check' }, spec: { steps } }, null, 2);
const jsonTell = (id: string, extra: Record<string, unknown> = {}) => ({ id, uses: 'notify', ...extra, with: { to: ['role:admin'], subject: 'done' } });

interface Case {
	/** The class of mistake, as the issue names it. */
	title: string;
	source: (name: string) => string;
	contentType: 'application/yaml' | 'application/json';
	path: string;
	/** The offending text in the source: the error must point at its first character. */
	at: string | { needle: string; occurrence: number };
	message: RegExp;
}

const CASES: Case[] = [
	{
		title: 'malformed YAML',
		source: (name) => yamlRunbook(name, '  steps:\n    - id: a\n   uses: notify\n'),
		contentType: 'application/yaml',
		path: 'spec.steps[0]',
		at: '   uses: notify',
		message: /must start at the same column/
	},
	{
		title: 'an unknown step type',
		source: (name) => yamlRunbook(name, '  steps:\n    - id: a\n      uses: notfy\n'),
		contentType: 'application/yaml',
		path: 'spec.steps[0].uses',
		at: 'notfy',
		message: /unknown step type "notfy"; the closest known types are notify/
	},
	{
		title: '`with` not matching the step type',
		source: (name) => yamlRunbook(name, '  steps:\n    - id: a\n      uses: notify\n      with: { to: [role:admin], subject: hi, priority: 3 }\n'),
		contentType: 'application/yaml',
		path: 'spec.steps[0].with.priority',
		at: 'priority',
		message: /unknown field "priority"; fields here: to, channel, preset, subject, body/
	},
	{
		title: 'a wrongly typed `with` field',
		source: (name) => yamlRunbook(name, '  steps:\n    - id: a\n      uses: postgres.backup\n      with: { database: main, format: zip }\n'),
		contentType: 'application/yaml',
		path: 'spec.steps[0].with.format',
		at: 'zip',
		message: /must be one of: custom, directory/
	},
	{
		title: 'duplicate step ids',
		source: (name) => yamlRunbook(name, `  steps:\n    - ${tell('fetch')}\n    - ${tell('fetch')}\n`),
		contentType: 'application/yaml',
		path: 'spec.steps[1].id',
		at: { needle: 'fetch', occurrence: 2 },
		message: /duplicate step id "fetch" \(first used by steps\[0\]\)/
	},
	{
		title: 'an unknown step in needs',
		source: (name) => yamlRunbook(name, `  steps:\n    - ${tell('fetch')}\n    - ${tell('report', ', needs: [fecth]')}\n`),
		contentType: 'application/yaml',
		path: 'spec.steps[1].needs[0]',
		at: 'fecth',
		message: /needs unknown step "fecth"; did you mean "fetch"\?/
	},
	{
		title: 'a cycle in needs',
		source: (name) => yamlRunbook(name, `  steps:\n    - ${tell('a', ', needs: [b]')}\n    - ${tell('b', ', needs: [a]')}\n`),
		contentType: 'application/yaml',
		path: 'spec.steps[0].needs[0]',
		at: 'b]',
		message: /needs form a cycle: a → b → a/
	},
	{
		title: 'an expression naming an unknown step',
		source: (name) => yamlRunbook(name, '  steps:\n    - { id: a, uses: notify, with: { to: [role:admin], subject: "${{ steps.nope.outputs.x }}" } }\n'),
		contentType: 'application/yaml',
		path: 'spec.steps[0].with.subject',
		at: 'steps.nope.outputs.x',
		message: /expression reads unknown step "nope"/
	},
	{
		title: 'an expression naming an output the step does not have',
		source: (name) =>
			yamlRunbook(name, '  steps:\n    - { id: dump, uses: postgres.backup, with: { database: main } }\n    - { id: tell, uses: notify, with: { to: [role:admin], subject: "size ${{ steps.dump.outputs.sise }}" } }\n'),
		contentType: 'application/yaml',
		path: 'spec.steps[1].with.subject',
		at: 'steps.dump.outputs.sise',
		message: /step "dump" \(postgres.backup\) has no output "sise"; its outputs: .*sizeBytes/
	},
	{
		title: 'an expression naming an undeclared input',
		source: (name) => yamlRunbook(name, '  inputs:\n    release: { type: string }\n  steps:\n    - { id: a, uses: notify, with: { to: [role:admin], subject: "${{ inputs.relase }}" } }\n'),
		contentType: 'application/yaml',
		path: 'spec.steps[0].with.subject',
		at: 'inputs.relase',
		message: /expression reads unknown input "relase"; did you mean "release"\?/
	},
	{
		title: 'an unknown target',
		source: (name) => yamlRunbook(name, `  target: crm-dmo\n  steps:\n    - ${tell('a')}\n`),
		contentType: 'application/yaml',
		path: 'spec.target',
		at: 'crm-dmo',
		message: /no target named "crm-dmo" is registered; did you mean "crm-demo"\?/
	},
	{
		// Depends on publish checking windows (shared/window-store.ts windowNames in the route).
		title: 'an unknown window',
		source: (name) => yamlRunbook(name, `  window: nope\n  steps:\n    - ${tell('a')}\n`),
		contentType: 'application/yaml',
		path: 'spec.window',
		at: 'nope',
		message: /no window named "nope" is defined/
	},
	{
		title: 'malformed JSON',
		source: (name) => jsonRunbook(name, [jsonTell('a')]).replace('"subject": "done"', '"subject": "done",\n            "body" "x"'),
		contentType: 'application/json',
		path: 'spec.steps[0].with.body',
		at: '"x"',
		message: /Missing , or : between flow map items/
	},
	{
		title: 'duplicate step ids, in JSON',
		source: (name) => jsonRunbook(name, [jsonTell('fetch'), jsonTell('fetch')]),
		contentType: 'application/json',
		path: 'spec.steps[1].id',
		at: { needle: '"fetch"', occurrence: 2 },
		message: /duplicate step id "fetch"/
	},
	{
		title: 'an unknown step in needs, in JSON',
		source: (name) => jsonRunbook(name, [jsonTell('fetch'), jsonTell('report', { needs: ['fetch', 'nope'] })]),
		contentType: 'application/json',
		path: 'spec.steps[1].needs[1]',
		at: '"nope"',
		message: /needs unknown step "nope"; steps: fetch, report/
	}
];

describe('validation errors through the API', () => {
	let admin: ApiClient;
	beforeAll(async () => {
		admin = await loginAsAdmin();
	});

	async function problemOf(response: Response): Promise<Problem> {
		expect(response.headers.get('content-type')).toBe('application/problem+json');
		return (await response.json()) as Problem;
	}

	it.each(CASES)('answers $title with its path, line and column, and publishes nothing', async ({ source, contentType, path, at, message }) => {
		const name = unique('new');
		const text = source(name);
		const response = await admin.send('POST', '/api/v1/runbooks', text, contentType);
		expect(response.status).toBe(422);
		const problem = await problemOf(response);
		const expected = typeof at === 'string' ? positionOf(text, at) : positionOf(text, at.needle, { occurrence: at.occurrence });
		expect(problem.errors).toContainEqual({ path, ...expected, message: expect.stringMatching(message) });
		expect((await admin.request('GET', `/api/v1/runbooks/${name}`)).status).toBe(404);
	});

	it('leaves a published runbook at its version when a new version is rejected', async () => {
		const name = unique('kept');
		const good = yamlRunbook(name, `  steps:\n    - ${tell('fetch')}\n    - ${tell('report', ', needs: [fetch]')}\n`);
		const first = await admin.send('POST', '/api/v1/runbooks', good, 'application/yaml');
		expect(first.status).toBe(201);
		const { version } = (await first.json()) as { version: number };

		const bad = good.replace('needs: [fetch]', 'needs: [report]');
		const rejected = await admin.send('POST', '/api/v1/runbooks', bad, 'application/yaml');
		expect(rejected.status).toBe(422);
		expect((await problemOf(rejected)).errors).toContainEqual({ path: 'spec.steps[1].needs[0]', ...positionOf(bad, 'report]'), message: expect.stringMatching(/needs form a cycle: report → report/) });

		const current = await admin.json<{ latestVersion: number; version: { version: number; source: string } }>('GET', `/api/v1/runbooks/${name}`);
		expect(current.body).toMatchObject({ latestVersion: version, version: { version, source: good } });
		const versions = await admin.json<{ versions: Array<{ version: number }> }>('GET', `/api/v1/runbooks/${name}/versions`);
		expect(versions.body.versions.map((v) => v.version)).toEqual([version]);
	});

	describe('starting a run', () => {
		let runbook: string;
		beforeAll(async () => {
			runbook = unique('inputs');
			const source = yamlRunbook(runbook, `  inputs:\n    release: { type: string, required: true }\n    batch: { type: number, default: 100 }\n  steps:\n    - ${tell('a')}\n`);
			expect((await admin.send('POST', '/api/v1/runbooks', source, 'application/yaml')).status).toBe(201);
		});

		const runsOf = async (name: string) => (await admin.json<{ runs: Array<{ runbook: string }> }>('GET', '/api/v1/runs?limit=200')).body.runs.filter((r) => r.runbook === name);

		it('names a missing required input, a wrongly typed one and an undeclared one where they are in the body, and starts nothing', async () => {
			const body = JSON.stringify({ inputs: { batch: 'many', relese: '7.2' } }, null, 2);
			const response = await admin.send('POST', `/api/v1/runbooks/${runbook}/runs`, body, 'application/json');
			expect(response.status).toBe(422);
			const problem = await problemOf(response);
			expect(problem.errors).toHaveLength(3);
			expect(problem.errors).toEqual(
				expect.arrayContaining([
					// Missing: there is no text of its own, so it points at the `inputs` object it belongs in.
					{ path: 'inputs.release', ...positionOf(body, '{', { occurrence: 2 }), message: expect.stringMatching(/input "release" is required/) },
					{ path: 'inputs.batch', ...positionOf(body, '"many"'), message: expect.stringMatching(/input "batch" must be a number/) },
					{ path: 'inputs.relese', ...positionOf(body, '"7.2"'), message: expect.stringMatching(/the runbook declares no input "relese"/) }
				])
			);
			expect(await runsOf(runbook)).toEqual([]);
		});

		it('points a missing input at the body itself when it has no inputs at all', async () => {
			const response = await admin.send('POST', `/api/v1/runbooks/${runbook}/runs`, '{}', 'application/json');
			expect(response.status).toBe(422);
			expect((await problemOf(response)).errors).toEqual([{ path: 'inputs.release', line: 1, column: 1, message: 'input "release" is required' }]);
			expect(await runsOf(runbook)).toEqual([]);
		});
	});
});
