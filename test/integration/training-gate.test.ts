import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, loginAsAdmin, runEnded, type ApiClient } from '../helpers/api.ts';
import { createPerson, type Person } from '../helpers/people.ts';
import { startWorker, type TestWorker } from '../helpers/worker.ts';

/**
 * Training-gated rights: an approval step that `requires: { training: [module] }` refuses an
 * approver without a current completion (403 naming the module, with a link), the inbox says
 * which module to take, and the same approver may approve once they have passed it.
 */
const suffix = randomBytes(3).toString('hex');
const module = `gate-basics-${suffix}`;
const runbook = `gated-restore-${suffix}`;

const MODULE = `apiVersion: tend/v1
kind: TrainingModule
metadata: { name: ${module}, title: "Gate basics ${suffix}" }
spec:
  estimatedMinutes: 5
  content: Read before you approve a restore.
  quiz:
    questions:
      - id: q
        text: Ready?
        options: [{ id: yes, text: Yes, correct: true }, { id: no, text: No }]
`;

const RUNBOOK = `apiVersion: tend/v1
kind: Runbook
metadata: { name: ${runbook}, title: Gated restore }
spec:
  steps:
    - id: ask
      uses: approval
      requires: { training: [${module}] }
      with: { approvers: [role:approver], message: "Restore now?" }
    - id: tell
      uses: notify
      with: { to: [role:admin], subject: "gated restore ${suffix} approved", channel: in-app }
`;

interface Problem {
	detail: string;
	trainingRequired?: Array<{ module: string; title: string; link: string }>;
}

describe('training-gated approvals', () => {
	let admin: ApiClient;
	let approver: Person;
	let worker: TestWorker;

	beforeAll(async () => {
		[admin, worker] = await Promise.all([loginAsAdmin(), startWorker()]);
		expect((await admin.send('POST', '/api/v1/training/modules', MODULE, 'application/yaml')).status).toBe(201);
		expect((await admin.send('POST', '/api/v1/runbooks', RUNBOOK, 'application/yaml')).status).toBe(201);
		approver = await createPerson(admin, 'gated', ['approver']);
	});
	afterAll(async () => {
		await worker?.stop();
	});

	it('refuses an approver without the training, names the module, and lets them approve once they pass it', async () => {
		const { body: started } = await admin.json<{ id: string }>('POST', `/api/v1/runbooks/${runbook}/runs`, { inputs: {} });
		const item = await eventually('the approval in the inbox', async () =>
			(await approver.api.json<{ approvals: Array<{ runId: string; trainingRequired: Problem['trainingRequired'] }> }>('GET', '/api/v1/approvals')).body.approvals.find((a) => a.runId === started.id)
		);
		expect(item.trainingRequired).toEqual([{ module, title: `Gate basics ${suffix}`, link: '/training' }]);

		const refused = await approver.api.json<Problem>('POST', `/api/v1/runs/${started.id}/steps/ask/decision`, { decision: 'approve' });
		expect(refused.status).toBe(403);
		expect(refused.body.detail).toContain(module);
		expect(refused.body.trainingRequired).toEqual([{ module, title: `Gate basics ${suffix}`, link: '/training' }]);

		// Assigned: the link now points at the assignment itself.
		const { body: assigned } = await admin.json<{ ids: string[] }>('POST', '/api/v1/training/assignments', { module, assignees: [`user:${approver.username}`] });
		const stillRefused = await approver.api.json<Problem>('POST', `/api/v1/runs/${started.id}/steps/ask/decision`, { decision: 'approve' });
		expect(stillRefused.status).toBe(403);
		expect(stillRefused.body.trainingRequired?.[0].link).toBe(`/training/${assigned.ids[0]}`);

		const passed = await approver.api.json<{ passed: boolean }>('POST', `/api/v1/training/assignments/${assigned.ids[0]}/attempts`, { answers: { q: ['yes'] } });
		expect(passed.body.passed).toBe(true);
		const approved = await approver.api.json<{ verdict: string }>('POST', `/api/v1/runs/${started.id}/steps/ask/decision`, { decision: 'approve' });
		expect(approved.status, JSON.stringify(approved.body)).toBe(200);
		expect(approved.body.verdict).toBe('approved');
		expect((await runEnded<{ status: string }>(admin, started.id)).status).toBe('succeeded');
	});
});
