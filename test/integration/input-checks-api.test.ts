import { randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { loginAsAdmin, type ApiClient } from '../helpers/api.ts';

/** A name unique to this run, so a second run against a kept stack starts clean. */
const RUNBOOK = `inputs-${randomBytes(3).toString('hex')}`;
const SOURCE = `apiVersion: tend/v1
kind: Runbook
metadata: { name: ${RUNBOOK}, title: Input checks }
spec:
  inputs:
    batches: { type: number, default: 1 }
  steps:
    - id: tell
      uses: notify
      with: { to: [ops@example.test], subject: "\${{ inputs.batches }} batches" }
`;

interface Problem {
	status: number;
	errors?: Array<{ path: string; message: string; line?: number }>;
}

describe('what a run start and a schedule refuse, through the API', () => {
	let admin: ApiClient;
	beforeAll(async () => {
		admin = await loginAsAdmin();
		expect((await admin.send('POST', '/api/v1/runbooks', SOURCE, 'application/yaml')).status).toBe(201);
	});

	/** Sends the body as written, so a `__proto__` key reaches the server as a key. */
	const start = async (body: string) => {
		const response = await admin.send('POST', `/api/v1/runbooks/${RUNBOOK}/runs`, body, 'application/json');
		return { status: response.status, body: (await response.json()) as Problem };
	};

	it('refuses an array for a number input, at its place in the body', async () => {
		const answer = await start('{"inputs": {"batches": [3]}}');
		expect(answer.status).toBe(422);
		expect(answer.body.errors).toEqual([expect.objectContaining({ path: 'inputs.batches', message: 'input "batches" must be a number', line: 1 })]);
	});

	it('names inherited names as inputs the runbook does not declare', async () => {
		for (const name of ['constructor', 'toString', '__proto__']) {
			const answer = await start(`{"inputs": {"${name}": {"batches": 2}}}`);
			expect(answer.status, name).toBe(422);
			expect(answer.body.errors, name).toEqual([expect.objectContaining({ path: `inputs.${name}`, message: `the runbook declares no input "${name}"` })]);
		}
	});

	it('refuses a seven-field cron that fires every second, naming the field', async () => {
		for (const cron of ['* * * * * * *', '*/5 * * * * * *']) {
			const answer = await admin.json<Problem>('POST', '/api/v1/schedules', { runbook: RUNBOOK, cron });
			expect(answer.status, cron).toBe(422);
			expect(answer.body.errors, cron).toEqual([expect.objectContaining({ path: 'cron', message: expect.stringContaining('at most once a minute') })]);
		}
	});
});
