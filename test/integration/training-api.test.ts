import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, loginAsAdmin, type ApiClient } from '../helpers/api.ts';
import { appRows, createPerson, type Person } from '../helpers/people.ts';
import { trainingAssignStep } from '../../activities/training-assign.ts';
import { stepDeps } from '../helpers/step-activities.ts';
import { stackTemporal } from '../helpers/temporal-stack.ts';
import { startWorker, type TestWorker } from '../helpers/worker.ts';

/**
 * Training through the API on the real stack: a module published with line/column errors, the quiz
 * kept from the browser, assignments by user and by role that never double, and an assignment's
 * whole life with durations of seconds: notice, reminder, overdue with escalation to the manager,
 * completion by quiz, recertification when the validity runs out.
 */
const suffix = randomBytes(3).toString('hex');
const name = `drill-${suffix}`;

const moduleSource = (options: { due: string; reminders: string[]; validity?: string; attempts?: number }) => `apiVersion: tend/v1
kind: TrainingModule
metadata: { name: ${name}, title: "Restore drill ${suffix}" }
spec:
  estimatedMinutes: 5
  due: ${options.due}
  reminders: [${options.reminders.join(', ')}]
${options.validity ? `  validity: ${options.validity}\n` : ''}  content: |
    ## Restores
    Read <script>alert(1)</script> this.
  quiz:
    passMark: 100
    attempts: ${options.attempts ?? 2}
    questions:
      - id: sha
        text: What is checked first?
        options: [{ id: a, text: the sha256, correct: true }, { id: b, text: nothing }]
`;

interface AssignmentBody {
	id: string;
	module: string;
	user: string;
	status: string;
	cycle: number;
	due: string;
	completedAt: string | null;
	score: number | null;
	timeSpentSeconds: number | null;
	expiresAt: string | null;
}

const mailsTo = (email: string) => appRows<{ subject: string }>('select subject from mail_sink where $1 = any(rcpt_to) order by id', [email]);

describe('training through the API', () => {
	let admin: ApiClient;
	let worker: TestWorker;
	let manager: Person;
	let learner: Person;

	beforeAll(async () => {
		admin = await loginAsAdmin();
		worker = await startWorker();
		manager = await createPerson(admin, 'boss', ['viewer']);
		learner = await createPerson(admin, 'learner', ['member'], { manager: manager.username });
	});
	afterAll(async () => {
		await worker?.stop();
	});

	it('publishes a module as versions, names mistakes at their line, and never shows the answers', async () => {
		const bad = await admin.send('POST', '/api/v1/training/modules', moduleSource({ due: 'two weeks', reminders: [] }), 'application/yaml');
		expect(bad.status).toBe(422);
		expect((await bad.json()).errors).toEqual([{ path: 'spec.due', line: 6, column: 8, message: 'must be an ISO 8601 duration such as P12M, P14D or PT12H' }]);

		const source = moduleSource({ due: 'PT8S', reminders: ['PT5S'], validity: 'PT6S' });
		const first = await admin.send('POST', '/api/v1/training/modules', source, 'application/yaml');
		expect(first.status).toBe(201);
		expect(await first.json()).toEqual({ name, version: 1, created: true });
		const again = await admin.send('POST', '/api/v1/training/modules', source, 'application/yaml');
		expect(await again.json()).toEqual({ name, version: 1, created: false });
		expect((await learner.api.send('POST', '/api/v1/training/modules', source, 'application/yaml')).status).toBe(403);

		const shown = await learner.api.json<{ html: string; quiz: unknown }>('GET', `/api/v1/training/modules/${name}`);
		expect(shown.status).toBe(200);
		expect(JSON.stringify(shown.body)).not.toContain('correct');
		expect(shown.body.html).toContain('&lt;script&gt;');
		expect(shown.body.html).not.toContain('<script');
	});

	it('lives a whole assignment: notice, reminder, overdue escalated to the manager, completion by quiz, recertification', async () => {
		const assigned = await admin.json<{ ids: string[]; created: number }>('POST', '/api/v1/training/assignments', { module: name, assignees: [`user:${learner.username}`] });
		expect(assigned.status).toBe(201);
		expect(assigned.body.created).toBe(1);
		const [id] = assigned.body.ids;
		// Assigning again adds nothing and answers the same assignment.
		const twice = await admin.json<{ ids: string[]; created: number }>('POST', '/api/v1/training/assignments', { module: name, assignees: [`user:${learner.username}`, 'role:member'] });
		expect(twice.body.created).toBeGreaterThanOrEqual(0);
		expect(twice.body.ids).toContain(id);
		expect(await appRows('select id from training_assignments where user_id = (select id from users where username = $1) and cancelled_at is null', [learner.username])).toHaveLength(1);

		const email = `${learner.username}@example.test`;
		const title = `Restore drill ${suffix}`;
		await eventually('the notice', async () => ((await mailsTo(email)).some((m) => m.subject === `Training assigned: ${title}`) ? true : undefined), 30_000);
		await eventually('the reminder', async () => ((await mailsTo(email)).some((m) => m.subject.startsWith(`Reminder: ${title}`)) ? true : undefined), 30_000);
		await eventually('the escalation to the manager', async () => ((await mailsTo(`${manager.username}@example.test`)).some((m) => m.subject.startsWith('Overdue training:')) ? true : undefined), 30_000);
		const mine = await learner.api.json<{ assignments: AssignmentBody[] }>('GET', '/api/v1/training/assignments?user=me');
		expect(mine.body.assignments).toEqual([expect.objectContaining({ id, module: name, user: learner.username, status: 'overdue', cycle: 1 })]);
		// Each notice once, however the workflow's activities were retried.
		expect((await mailsTo(email)).map((m) => m.subject)).toEqual([`Training assigned: ${title}`, expect.stringMatching(/^Reminder: /), `Overdue: ${title}`]);

		// Others see nothing of it; the learner opens it, fails once, then passes.
		expect((await manager.api.json('GET', `/api/v1/training/assignments/${id}`)).status).toBe(404);
		expect((await manager.api.json('GET', `/api/v1/training/assignments?user=${learner.username}`)).status).toBe(403);
		expect((await learner.api.json('GET', `/api/v1/training/assignments/${id}`)).status).toBe(200);
		expect((await learner.api.json('POST', `/api/v1/training/assignments/${id}/attempts`, { answers: { nope: ['a'] } })).status).toBe(422);
		const wrong = await learner.api.json('POST', `/api/v1/training/assignments/${id}/attempts`, { answers: { sha: ['b'] } });
		expect(wrong.body).toEqual({ score: 0, passed: false, attempt: 1, attemptsLeft: 1, results: [{ question: 'sha', correct: false }] });
		const right = await learner.api.json('POST', `/api/v1/training/assignments/${id}/attempts`, { answers: { sha: ['a'] } });
		expect(right.body).toMatchObject({ score: 100, passed: true, attempt: 2, attemptsLeft: 0 });
		const done = await learner.api.json<AssignmentBody>('GET', `/api/v1/training/assignments/${id}`);
		expect(done.body).toMatchObject({ status: 'completed', score: 100 });
		expect(done.body.timeSpentSeconds).toBeGreaterThanOrEqual(0);
		expect(done.body.expiresAt).not.toBeNull();
		expect((await learner.api.json('POST', `/api/v1/training/assignments/${id}/attempts`, { answers: { sha: ['a'] } })).status).toBe(409);

		// Six seconds on, the completion has expired: the next cycle starts and the learner is told.
		await eventually('the recertification', async () => ((await mailsTo(email)).some((m) => m.subject === `Time to renew your training: ${title}`) ? true : undefined), 30_000);
		const renewed = await learner.api.json<AssignmentBody>('GET', `/api/v1/training/assignments/${id}`);
		expect(renewed.body).toMatchObject({ status: expect.stringMatching(/^(expired|overdue)$/), cycle: 2 });

		// Un-assigning closes it and stops its workflow.
		expect((await learner.api.json('DELETE', `/api/v1/training/assignments/${id}`)).status).toBe(403);
		expect((await admin.request('DELETE', `/api/v1/training/assignments/${id}`)).status).toBe(204);
		expect((await learner.api.json<{ assignments: AssignmentBody[] }>('GET', '/api/v1/training/assignments')).body.assignments.filter((a) => a.module === name)).toEqual([]);
		await eventually('the workflow to end', async () => ((await appRows<{ n: string }>("select count(*) as n from training_events where assignment_id = $1 and kind = 'unassigned'", [id]))[0].n === '1' ? true : undefined), 10_000);
	}, 120_000);

	it('refuses what it cannot assign, naming the field', async () => {
		const bad = await admin.json<{ errors: Array<{ path: string }> }>('POST', '/api/v1/training/assignments', { module: name, assignees: ['user:nobody-such'] });
		expect(bad.status).toBe(422);
		expect(bad.body.errors).toEqual([{ path: 'assignees[0]', message: 'no active user "nobody-such"' }]);
		expect((await admin.json('POST', '/api/v1/training/assignments', { module: 'no-such-module', assignees: ['role:member'] })).status).toBe(404);
		expect((await admin.json('POST', '/api/v1/training/assignments', { module: name, assignees: ['role:member'], due: '2001-01-01T00:00:00Z' })).status).toBe(422);
		expect((await learner.api.json('POST', '/api/v1/training/assignments', { module: name, assignees: ['role:member'] })).status).toBe(403);
	});

	it('training.assign assigns each person once, however often its step is retried', async () => {
		const client = await stackTemporal('sealed');
		const deps = { ...stepDeps(), workflows: client.workflow };
		try {
			const colleague = await createPerson(admin, 'colleague', ['member']);
			const ctx = { runId: randomUUID(), stepId: 'whats-new', target: '', attempt: 1 };
			const params = { module: name, to: [`user:${learner.username}`, `user:${colleague.username}`], due: '3d' };
			const first = await trainingAssignStep(deps, ctx, params);
			// The attempt's result was lost (a worker killed after the insert): the retry finds the assignments there.
			const retried = await trainingAssignStep(deps, { ...ctx, attempt: 2 }, params);
			expect(first).toEqual({ assigned: 2, created: 2 });
			expect(retried).toEqual({ assigned: 2, created: 0 });
			const rows = await appRows<{ source: string }>('select source from training_assignments a join training_modules m on m.id = a.module_id where m.name = $1 and a.cancelled_at is null and a.source like $2', [name, 'run:%']);
			expect(rows.map((r) => r.source)).toEqual([`run:${ctx.runId}/whats-new`, `run:${ctx.runId}/whats-new`]);
			await expect(trainingAssignStep(deps, ctx, { module: 'no-such-module', to: ['role:member'] })).rejects.toMatchObject({ type: 'TrainingModuleNotFound', nonRetryable: true });
		} finally {
			await deps.db.$client.end();
			await client.connection.close();
		}
	});
});
