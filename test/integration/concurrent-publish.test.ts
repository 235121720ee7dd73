import { randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { loginAsAdmin, type ApiClient } from '../helpers/api.ts';

/** Names unique to this run, so a second run against a kept stack starts clean. */
const suffix = randomBytes(3).toString('hex');
const CLIENTS = 10;

const runbook = (name: string, subject: string) => `apiVersion: tend/v1
kind: Runbook
metadata: { name: ${name}, title: Concurrent publish }
spec:
  steps:
    - id: tell
      uses: notify
      with: { to: [role:admin], subject: "${subject}" }
`;

const target = (name: string, database: string) => `apiVersion: tend/v1
kind: Target
metadata: { name: ${name}, title: Concurrent target }
spec:
  databases:
    main: { url: "postgres://crm@db.example.com/${database}" }
`;

const window = (name: string, start: string) => `apiVersion: tend/v1
kind: Window
metadata: { name: ${name}, title: Concurrent window }
spec:
  kind: maintenance
  timezone: UTC
  weekly:
    - { days: [sun], start: "${start}", duration: 1h }
`;

describe('the first publish of a new name from many clients at once', () => {
	let admin: ApiClient;
	beforeAll(async () => {
		admin = await loginAsAdmin();
	});

	/** Sends every body at once and returns each answer's status and JSON body. */
	const sendAll = (path: string, bodies: string[]) =>
		Promise.all(
			bodies.map(async (body) => {
				const response = await admin.send('POST', path, body, 'application/yaml');
				return { status: response.status, body: (await response.json()) as { version?: number; changed?: boolean } };
			})
		);

	it('gives distinct sources consecutive versions 1..10, with no gap and no 500', async () => {
		const name = `race-${suffix}`;
		const answers = await sendAll('/api/v1/runbooks', Array.from({ length: CLIENTS }, (_, i) => runbook(name, `version from client ${i}`)));
		expect(answers.map((a) => a.status)).toEqual(Array(CLIENTS).fill(201));
		expect(answers.map((a) => a.body.version).sort((a, b) => a! - b!)).toEqual(Array.from({ length: CLIENTS }, (_, i) => i + 1));
		const versions = await admin.json<{ versions: Array<{ version: number }> }>('GET', `/api/v1/runbooks/${name}/versions`);
		expect(versions.body.versions.map((v) => v.version)).toEqual(Array.from({ length: CLIENTS }, (_, i) => CLIENTS - i));
	});

	it('publishes identical sources once: one 201 and the rest unchanged, all naming version 1', async () => {
		const name = `race-same-${suffix}`;
		const answers = await sendAll('/api/v1/runbooks', Array(CLIENTS).fill(runbook(name, 'the same')));
		expect(answers.map((a) => a.status).sort((a, b) => a - b)).toEqual([...Array(CLIENTS - 1).fill(200), 201]);
		expect(answers.map((a) => a.body.version)).toEqual(Array(CLIENTS).fill(1));
		const versions = await admin.json<{ versions: Array<{ version: number }> }>('GET', `/api/v1/runbooks/${name}/versions`);
		expect(versions.body.versions.map((v) => v.version)).toEqual([1]);
	});

	it('creates a new target or window once when many define it at once, and answers the rest as updates', async () => {
		for (const [path, document] of [
			['/api/v1/targets', (i: number) => target(`race-target-${suffix}`, `crm_${i}`)],
			['/api/v1/windows', (i: number) => window(`race-window-${suffix}`, `0${i}:00`)]
		] as const) {
			const answers = await sendAll(path, Array.from({ length: CLIENTS }, (_, i) => document(i)));
			expect(answers.map((a) => a.status).sort((a, b) => a - b)).toEqual([...Array(CLIENTS - 1).fill(200), 201]);
		}
	});
});
