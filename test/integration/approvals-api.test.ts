import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, login, loginAsAdmin, runEnded, type ApiClient } from '../helpers/api.ts';
import { withClient } from '../helpers/postgres.ts';
import { startWorker, type TestWorker } from '../helpers/worker.ts';

const RUNBOOK = `apiVersion: tend/v1
kind: Runbook
metadata: { name: approval-check, title: Approval check }
spec:
  target: crm-demo
  steps:
    - id: ask
      uses: approval
      with: { approvers: [role:approver], quorum: 2, message: "Send the all-clear?" }
    - id: tell
      uses: notify
      with: { to: [role:admin], subject: "approval-check all clear" }
`;

interface RunJson {
	status: string;
	steps: Array<{ id: string; status: string }>;
}
interface InboxJson {
	approvals: Array<{ runId: string; stepId: string; message: string; quorum: number }>;
}

describe('approvals through the API, decided inside the workflow', () => {
	let admin: ApiClient;
	const people: Record<string, ApiClient> = {};
	let worker: TestWorker;

	beforeAll(async () => {
		[admin, worker] = await Promise.all([loginAsAdmin(), startWorker()]);
		expect((await admin.send('POST', '/api/v1/runbooks', RUNBOOK, 'application/yaml')).status).toBe(201);
		for (const [username, role] of [['alice', 'approver'], ['bob', 'approver'], ['carol', 'viewer']] as const) {
			const password = randomBytes(12).toString('base64url');
			expect((await admin.json('POST', '/api/v1/users', { username, password, roles: [role], email: `${username}@example.test` })).status).toBe(201);
			people[username] = await login(username, password);
		}
	});
	afterAll(async () => {
		await worker?.stop();
	});

	const startRun = async () => (await admin.json<{ id: string }>('POST', '/api/v1/runbooks/approval-check/runs', { inputs: {} })).body.id;
	const decide = (who: ApiClient, runId: string, decision: 'approve' | 'reject', comment?: string) =>
		who.json<{ verdict?: string; detail?: string }>('POST', `/api/v1/runs/${runId}/steps/ask/decision`, { decision, comment });
	const finished = (runId: string) => runEnded<RunJson>(admin, runId);

	it('shows the waiting step in an approver’s inbox, counts a quorum of distinct approvers and refuses everyone else', async () => {
		const runId = await startRun();
		const item = await eventually('the approval in alice’s inbox', async () => (await people.alice.json<InboxJson>('GET', '/api/v1/approvals')).body.approvals.find((a) => a.runId === runId));
		expect(item).toMatchObject({ stepId: 'ask', message: 'Send the all-clear?', quorum: 2 });
		expect((await people.carol.json<InboxJson>('GET', '/api/v1/approvals')).body.approvals.find((a) => a.runId === runId)).toBeUndefined();

		const byViewer = await decide(people.carol, runId, 'approve');
		expect(byViewer.status).toBe(403);
		expect(byViewer.body.detail).toMatch(/not among the approvers/);
		expect((await decide(admin, runId, 'approve')).status).toBe(403);

		const first = await decide(people.alice, runId, 'approve', 'looks fine');
		expect(first).toMatchObject({ status: 200, body: { verdict: 'pending' } });
		// A retried request is answered as the first was; a change of mind is refused.
		expect(await decide(people.alice, runId, 'approve', 'looks fine')).toMatchObject({ status: 200, body: { verdict: 'pending' } });
		const changed = await decide(people.alice, runId, 'reject');
		expect(changed.status).toBe(409);
		expect(changed.body.detail).toMatch(/already decided/);
		expect((await decide(people.bob, runId, 'approve')).body.verdict).toBe('approved');

		const run = await finished(runId);
		expect(run.status).toBe('succeeded');
		expect(run.steps.map((s) => s.status)).toEqual(['succeeded', 'succeeded']);
		const audit = await withClient(process.env.TEST_APP_DATABASE_URL!, async (c) =>
			(await c.query("select actor from audit_log where action = 'run.step.approve' and subject like $1 order by id", [`%${runId}%`])).rows.map((r) => r.actor)
		);
		expect(audit).toEqual(['alice', 'bob']);
	});

	it('fails the run when an approver rejects', async () => {
		const runId = await startRun();
		await eventually('the approval to wait', async () => (await people.bob.json<InboxJson>('GET', '/api/v1/approvals')).body.approvals.find((a) => a.runId === runId));
		expect((await decide(people.bob, runId, 'reject', 'not today')).body.verdict).toBe('rejected');
		const run = await finished(runId);
		expect(run.status).toBe('failed');
		expect(run.steps.find((s) => s.id === 'tell')?.status).toBe('cancelled');
	});

	it('answers a decision on an ended run with 409 and a malformed one with 422', async () => {
		const runId = await startRun();
		await eventually('the approval to wait', async () => (await people.bob.json<InboxJson>('GET', '/api/v1/approvals')).body.approvals.find((a) => a.runId === runId));
		expect((await people.alice.json('POST', `/api/v1/runs/${runId}/steps/ask/decision`, { decision: 'maybe' })).status).toBe(422);
		expect((await admin.json('POST', `/api/v1/runs/${runId}/cancel`, {})).status).toBe(202);
		await finished(runId);
		expect((await decide(people.alice, runId, 'approve')).status).toBe(409);
	});
});
