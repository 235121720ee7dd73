import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { totpCode } from '../../shared/totp.ts';
import { anonymousClient, bearerClient, eventually, login, loginAsAdmin, runEnded, type ApiClient } from '../helpers/api.ts';
import { appRows, createPerson, type Person } from '../helpers/people.ts';
import { startWorker, type TestWorker } from '../helpers/worker.ts';

interface Problem {
	detail?: string;
	errors?: Array<{ path: string; message: string }>;
	mfaRequired?: boolean;
	mfaEnrolmentRequired?: boolean;
	stepUpRequired?: boolean;
}

/** Sign-in answers as they come (the helper's `login` insists on 200). */
const signIn = async (username: string, password: string, code?: string) => {
	const response = await anonymousClient().request('POST', '/api/v1/session', { username, password, ...(code ? { code } : {}) });
	const cookie = response.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
	return { status: response.status, body: (await response.json()) as Problem, cookie };
};
const STEP_MS = 30_000;

/** Enrols `person` through the API; answers the secret and the recovery codes. */
async function enrol(person: Person): Promise<{ secret: string; recoveryCodes: string[] }> {
	const started = await person.api.json<{ secret: string; uri: string }>('POST', '/api/v1/me/mfa/totp');
	expect(started.status).toBe(201);
	expect(started.body.uri).toContain(`Tend:${person.username}`);
	const verified = await person.api.json<{ recoveryCodes: string[] }>('POST', '/api/v1/me/mfa/totp/verify', { code: totpCode(started.body.secret) });
	expect(verified.status).toBe(200);
	return { secret: started.body.secret, recoveryCodes: verified.body.recoveryCodes };
}

describe('TOTP second factor with recovery codes', () => {
	let admin: ApiClient;
	beforeAll(async () => {
		admin = await loginAsAdmin();
	});
	afterAll(async () => {
		// The embedded default: nobody required (dev/bootstrap.ts), as every other file expects.
		await admin.json('PUT', '/api/v1/settings', { mfa: { requiredFor: [], stepUpMinutes: 15 } });
	});

	it('enrols, then asks every sign-in for a code, takes each code once and each recovery code once', async () => {
		const person = await createPerson(admin, 'mia', ['approver']);
		const started = await person.api.json<{ secret: string }>('POST', '/api/v1/me/mfa/totp');
		const wrong = await person.api.json<Problem>('POST', '/api/v1/me/mfa/totp/verify', { code: '000000' === totpCode(started.body.secret) ? '111111' : '000000' });
		expect(wrong.status).toBe(422);
		expect(wrong.body.errors?.[0].path).toBe('code');
		// Until confirmed, sign-in does not ask.
		expect((await signIn(person.username, person.password)).status).toBe(200);
		const verified = await person.api.json<{ recoveryCodes: string[] }>('POST', '/api/v1/me/mfa/totp/verify', { code: totpCode(started.body.secret) });
		expect(verified.body.recoveryCodes).toHaveLength(10);
		const stored = await appRows<{ ciphertext: string }>('select ciphertext from user_totp where user_id = (select id from users where username = $1)', [person.username]);
		expect(stored[0].ciphertext).not.toContain(started.body.secret);
		expect(JSON.stringify(await appRows('select code_hash from mfa_recovery_codes where user_id = (select id from users where username = $1)', [person.username]))).not.toContain(verified.body.recoveryCodes[0]);

		const missing = await signIn(person.username, person.password);
		expect(missing.status).toBe(401);
		expect(missing.body).toMatchObject({ mfaRequired: true, detail: expect.stringMatching(/code is required/) });
		expect(missing.cookie).toBe('');
		// The next time step's code (the current one was spent confirming) signs in; the same code again does not.
		const code = totpCode(started.body.secret, Date.now() + STEP_MS);
		expect((await signIn(person.username, person.password, code)).status).toBe(200);
		expect((await signIn(person.username, person.password, code)).status).toBe(401);
		// A wrong password with a good code says nothing about the code.
		expect((await signIn(person.username, 'not-the-password', verified.body.recoveryCodes[0])).body.detail).toBe('Wrong username or password.');

		const recovery = verified.body.recoveryCodes[1];
		expect((await signIn(person.username, person.password, recovery.toUpperCase())).status).toBe(200);
		expect((await signIn(person.username, person.password, recovery)).status).toBe(401);
		expect((await person.api.json('GET', '/api/v1/me/mfa')).body).toMatchObject({ enrolled: true, recoveryCodesLeft: 9 });
		expect((await person.api.json<Problem>('POST', '/api/v1/me/mfa/totp')).status).toBe(409);

		// A lost phone: an admin removes the authenticator, and the password alone signs in again.
		expect((await admin.request('DELETE', `/api/v1/users/${person.username}/mfa`)).status).toBe(204);
		expect((await signIn(person.username, person.password)).status).toBe(200);
		expect((await appRows<{ action: string }>("select action from audit_log where subject = $1 and action like 'mfa.%' order by id", [`user:${person.username}`])).map((r) => r.action)).toEqual(['mfa.enrol', 'mfa.remove']);
	});

	it('sends someone whose roles require a second factor to enrol before anything else', async () => {
		expect((await admin.json('PUT', '/api/v1/settings', { mfa: { requiredFor: ['approver'], stepUpMinutes: 15 } })).status).toBe(200);
		const person = await createPerson(admin, 'abe', ['approver']);
		const held = await person.api.json<Problem>('GET', '/api/v1/approvals');
		expect(held.status).toBe(403);
		expect(held.body.mfaEnrolmentRequired).toBe(true);
		const page = await person.api.request('GET', '/approvals');
		expect(page.headers.get('location')).toBe('/account/mfa?next=%2Fapprovals');
		expect((await person.api.json<{ required: boolean }>('GET', '/api/v1/me/mfa')).body.required).toBe(true);
		await enrol(person);
		expect((await person.api.json('GET', '/api/v1/approvals')).status).toBe(200);
		// A viewer is not held back by a policy about approvers.
		const viewer = await createPerson(admin, 'val', ['viewer']);
		expect((await viewer.api.json('GET', '/api/v1/runs')).status).toBe(200);
	});

	describe('step-up before a high-risk approval', () => {
		let worker: TestWorker;
		const RUNBOOK = 'step-up-check';
		beforeAll(async () => {
			worker = await startWorker();
			const source = `apiVersion: tend/v1
kind: Runbook
metadata: { name: ${RUNBOOK}, title: Step-up check }
spec:
  steps:
    - id: go
      uses: notify
      risk: high
      with: { to: [ops@example.test], subject: "step-up check went ahead" }
`;
			expect((await admin.send('POST', '/api/v1/runbooks', source, 'application/yaml')).status).toBeLessThan(300);
		});
		afterAll(async () => {
			await worker?.stop();
		});

		it('asks for a second factor given within the policy’s minutes, and refuses a token', async () => {
			expect((await admin.json('PUT', '/api/v1/settings', { mfa: { requiredFor: [], stepUpMinutes: 10 } })).status).toBe(200);
			const approver = await createPerson(admin, 'ula', ['approver']);
			const { secret } = await enrol(approver);
			const token = (await approver.api.json<{ token: string }>('POST', '/api/v1/tokens', { name: 'ula script' })).body.token;
			const runId = (await admin.json<{ id: string }>('POST', `/api/v1/runbooks/${RUNBOOK}/runs`, { inputs: {} })).body.id;
			await eventually('the gate to wait', async () => (await approver.api.json<{ approvals: Array<{ runId: string }> }>('GET', '/api/v1/approvals')).body.approvals.find((a) => a.runId === runId));
			const decide = (as: ApiClient) => as.json<Problem>('POST', `/api/v1/runs/${runId}/steps/go.approval/decision`, { decision: 'approve' });

			// Enrolling proved a factor a moment ago; an hour later it is stale.
			await appRows("update sessions set second_factor_at = now() - interval '1 hour' where user_id = (select id from users where username = $1)", [approver.username]);
			const stale = await decide(approver.api);
			expect(stale.status).toBe(403);
			expect(stale.body.stepUpRequired).toBe(true);
			expect((await decide(bearerClient(token))).body.stepUpRequired).toBe(true);

			expect((await approver.api.json('POST', '/api/v1/me/mfa/step-up', { code: totpCode(secret, Date.now() + STEP_MS) })).status).toBe(200);
			expect((await decide(approver.api)).status).toBe(200);
			expect((await runEnded<{ status: string }>(admin, runId)).status).toBe('succeeded');
		});
	});

	it('lets a signed-in person with a second factor in through the login helper only with a code', async () => {
		const person = await createPerson(admin, 'leo', ['viewer']);
		const { secret } = await enrol(person);
		await expect(login(person.username, person.password)).rejects.toThrow(/401/);
		expect((await signIn(person.username, person.password, totpCode(secret, Date.now() + STEP_MS))).status).toBe(200);
	});
});
