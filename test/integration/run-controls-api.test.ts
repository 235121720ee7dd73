import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, login, loginAsAdmin, runEnded, type ApiClient } from '../helpers/api.ts';
import { withClient } from '../helpers/postgres.ts';
import { startWorker, type TestWorker } from '../helpers/worker.ts';

/**
 * The interpreter's people-facing controls through the API, on the real stack: checklists,
 * resuming a failed run, an emergency stop, a change freeze with an override, and target queueing.
 */
interface StepJson {
	id: string;
	status: string;
	outputs: Record<string, unknown> | null;
	error: string | null;
	hold?: { kind: string; message: string };
	checklist?: { items: Array<{ text: string; done: boolean }> };
}
interface RunJson {
	id: string;
	status: string;
	resumes: number;
	error: string | null;
	queue?: { target: string; behind: string[] };
	steps: StepJson[];
}

const suffix = randomBytes(3).toString('hex');
const runbookYaml = (name: string, spec: string) => `apiVersion: tend/v1\nkind: Runbook\nmetadata: { name: ${name}, title: ${name} }\nspec:\n${spec}`;

describe('run controls through the API', () => {
	let admin: ApiClient;
	let operator: ApiClient;
	let approver: ApiClient;
	let worker: TestWorker;

	const publish = async (yaml: string) => {
		const response = await admin.send('POST', yaml.includes('kind: Window') ? '/api/v1/windows' : '/api/v1/runbooks', yaml, 'application/yaml');
		expect([200, 201], await response.clone().text()).toContain(response.status);
	};
	const start = async (who: ApiClient, name: string) => {
		const response = await who.json<{ id: string }>('POST', `/api/v1/runbooks/${name}/runs`, { inputs: {} });
		expect(response.status).toBe(201);
		return response.body.id;
	};
	const getRun = async (id: string) => (await admin.json<RunJson>('GET', `/api/v1/runs/${id}`)).body;
	const stepOf = (run: RunJson, id: string) => run.steps.find((s) => s.id === id)!;
	const mailsWith = (subject: string) => withClient(process.env.TEST_APP_DATABASE_URL!, async (db) => Number((await db.query('select count(*) from mail_sink where subject = $1', [subject])).rows[0].count));

	beforeAll(async () => {
		[admin, worker] = await Promise.all([loginAsAdmin(), startWorker()]);
		const person = async (username: string, role: string) => {
			const password = randomBytes(12).toString('base64url');
			expect((await admin.json('POST', '/api/v1/users', { username, password, roles: [role], email: `${username}@example.test` })).status).toBe(201);
			return login(username, password);
		};
		operator = await person(`op-${suffix}`, 'operator');
		approver = await person(`appr-${suffix}`, 'approver');
	});
	afterAll(async () => {
		await worker?.stop();
	});

	it('waits on a checklist until an assignee ticks every item off', async () => {
		const name = `checklist-${suffix}`;
		await publish(runbookYaml(name, '  steps:\n    - { id: check, uses: manual, with: { checklist: [Drain the queue, Tell support], assignees: [role:operator] } }\n'));
		const id = await start(admin, name);
		const waiting = await eventually('the checklist open', async () => {
			const run = await getRun(id);
			return stepOf(run, 'check').checklist ? run : undefined;
		});
		expect(stepOf(waiting, 'check')).toMatchObject({ status: 'waiting', checklist: { items: [{ text: 'Drain the queue', done: false }, { text: 'Tell support', done: false }] } });

		const byApprover = await approver.json<{ detail: string }>('POST', `/api/v1/runs/${id}/steps/check/checklist`, { items: [0] });
		expect(byApprover.status).toBe(403);
		expect(byApprover.body.detail).toMatch(/not among the assignees/);
		const bad = await operator.json<{ errors: Array<{ path: string }> }>('POST', `/api/v1/runs/${id}/steps/check/checklist`, { items: [] });
		expect(bad.status).toBe(422);
		expect(bad.body.errors[0].path).toBe('items');

		expect((await operator.json('POST', `/api/v1/runs/${id}/steps/check/checklist`, { items: [0, 1], notes: 'done at 02:10' })).status).toBe(200);
		const run = await runEnded<RunJson>(admin, id);
		expect(run.status).toBe('succeeded');
		expect(stepOf(run, 'check').outputs).toEqual({ completedBy: [`op-${suffix}`], notes: `op-${suffix}: done at 02:10` });
	});

	it('resumes a failed run from its failed step without repeating the steps that finished', async () => {
		const name = `resumable-${suffix}`;
		const child = `later-${suffix}`;
		const subject = `resume check ${suffix}`;
		// Published before the child exists: publishing allows it (the child may come later), the run fails on it.
		await publish(runbookYaml(name, `  steps:\n    - { id: tell, uses: notify, with: { to: [role:admin], subject: "${subject}" } }\n    - { id: sub, uses: runbook, with: { name: ${child} } }\n`));
		const id = await start(operator, name);
		const failed = await runEnded<RunJson>(admin, id);
		expect(failed.status).toBe('failed');
		expect(stepOf(failed, 'sub').error).toContain(`no runbook named "${child}"`);
		expect(await mailsWith(subject)).toBe(1);

		const early = await approver.json('POST', `/api/v1/runs/${id}/resume`);
		expect(early.status).toBe(403);

		// The person fixes the cause: the missing runbook is published. Then they resume.
		await publish(runbookYaml(child, '  steps:\n    - { id: noop, uses: wait, with: { duration: 1s } }\n'));
		const resumed = await operator.json<{ resumes: number }>('POST', `/api/v1/runs/${id}/resume`);
		expect(resumed.status).toBe(202);
		expect(resumed.body.resumes).toBe(1);
		const run = await eventually('the resumed run to succeed', async () => {
			const r = await getRun(id);
			return r.status === 'succeeded' ? r : undefined;
		});
		expect(run.resumes).toBe(1);
		expect(stepOf(run, 'sub').outputs).toMatchObject({ status: 'succeeded' });
		expect(await mailsWith(subject)).toBe(1);
		expect((await operator.json('POST', `/api/v1/runs/${id}/resume`)).status).toBe(409);
	});

	it('pauses risky steps in every run during an emergency stop, and only admins start or lift it', async () => {
		const name = `risky-${suffix}`;
		await publish(runbookYaml(name, '  steps:\n    - { id: first, uses: wait, with: { duration: 1s } }\n    - { id: risky, uses: wait, risk: medium, with: { duration: 1s } }\n'));
		expect((await operator.json('POST', '/api/v1/emergency-stop', { reason: 'nope' })).status).toBe(403);
		const stop = await admin.json<{ runsTold: number }>('POST', '/api/v1/emergency-stop', { reason: `db on fire ${suffix}` });
		expect(stop.status).toBe(201);
		try {
			expect((await admin.json('POST', '/api/v1/emergency-stop', { reason: 'again' })).status).toBe(409);
			const id = await start(operator, name);
			const held = await eventually('the risky step held', async () => {
				const run = await getRun(id);
				return stepOf(run, 'risky').hold ? run : undefined;
			});
			expect(stepOf(held, 'first').status).toBe('succeeded');
			expect(stepOf(held, 'risky')).toMatchObject({ status: 'waiting', hold: { kind: 'emergency_stop', message: `paused: emergency stop by admin (db on fire ${suffix})` } });
			expect((await admin.json<{ active: { reason: string } }>('GET', '/api/v1/emergency-stop')).body.active.reason).toBe(`db on fire ${suffix}`);
			expect((await admin.request('DELETE', '/api/v1/emergency-stop')).status).toBe(200);
			expect((await runEnded<RunJson>(admin, id)).status).toBe('succeeded');
		} finally {
			await admin.request('DELETE', '/api/v1/emergency-stop');
		}
		expect((await admin.json<{ active: unknown }>('GET', '/api/v1/emergency-stop')).body.active).toBeNull();
	});

	it('holds a risky step on a frozen target until an approver overrides the freeze', async () => {
		const target = 'crm-demo';
		const freeze = `freeze-${suffix}`;
		const name = `frozen-${suffix}`;
		const now = new Date();
		const local = (d: Date) => d.toISOString().slice(0, 16);
		await publish(`apiVersion: tend/v1\nkind: Window\nmetadata: { name: ${freeze}, title: Year end }\nspec:\n  kind: freeze\n  timezone: UTC\n  targets: [${target}]\n  ranges:\n    - { from: "${local(new Date(now.getTime() - 3_600_000))}", to: "${local(new Date(now.getTime() + 3_600_000))}", reason: books closing }\n`);
		try {
			await publish(runbookYaml(name, `  target: ${target}\n  steps:\n    - { id: purge, uses: wait, risk: medium, with: { duration: 1s } }\n`));
			const id = await start(operator, name);
			const held = await eventually('the freeze hold', async () => {
				const run = await getRun(id);
				return stepOf(run, 'purge').hold?.kind === 'freeze' ? run : undefined;
			});
			expect(stepOf(held, 'purge').hold?.message).toMatch(new RegExp(`^held by change freeze "${freeze}" \\(books closing\\) until .+; an approver may override$`));
			const byOperator = await operator.json<{ detail: string }>('POST', `/api/v1/runs/${id}/steps/purge/override`, { reason: 'outage' });
			expect(byOperator.status).toBe(403);
			expect((await approver.json('POST', `/api/v1/runs/${id}/steps/purge/override`, { reason: 'customer outage' })).status).toBe(200);
			expect((await runEnded<RunJson>(admin, id)).status).toBe('succeeded');
			const audit = await withClient(process.env.TEST_APP_DATABASE_URL!, async (db) => (await db.query("select actor, details from audit_log where action = 'run.step.override' and subject = $1", [`run:${id}`])).rows);
			expect(audit).toMatchObject([{ actor: `appr-${suffix}`, details: { stepId: 'purge', comment: 'customer outage' } }]);
		} finally {
			// A freeze still in force would hold other tests' risky steps on the demo target.
			await withClient(process.env.TEST_APP_DATABASE_URL!, (db) => db.query('delete from windows where name = $1', [freeze]));
		}
	});

	it('loses nothing and repeats no mail when the worker is killed while a run waits on a person', async () => {
		const name = `crash-${suffix}`;
		const subject = `crash check ${suffix}`;
		await publish(runbookYaml(name, `  steps:\n    - id: tell\n      uses: notify\n      forEach: { items: [one, two, three], maxConcurrency: 2 }\n      with: { to: [role:admin], subject: "${subject} \${{ item }}" }\n    - { id: check, uses: manual, with: { checklist: [go] } }\n`));
		const id = await start(operator, name);
		await eventually('the checklist open', async () => (stepOf(await getRun(id), 'check').status === 'waiting' ? true : undefined));
		await worker.kill();
		worker = await startWorker();
		expect((await operator.json('POST', `/api/v1/runs/${id}/steps/check/checklist`, { items: [0] })).status).toBe(200);
		const run = await runEnded<RunJson>(admin, id);
		expect(run.status).toBe('succeeded');
		expect(stepOf(run, 'tell').outputs).toMatchObject({ succeeded: 3, failed: 0 });
		for (const item of ['one', 'two', 'three']) expect(await mailsWith(`${subject} ${item}`)).toBe(1);
	});

	it('runs one run per target at a time with concurrency: target, and shows the others queued', async () => {
		const name = `serial-${suffix}`;
		await publish(runbookYaml(name, '  target: crm-demo\n  concurrency: target\n  steps:\n    - { id: check, uses: manual, with: { checklist: [go] } }\n'));
		const first = await start(operator, name);
		await eventually('the first run waiting on its checklist', async () => ((await getRun(first)).steps[0].status === 'waiting' ? true : undefined));
		const second = await start(operator, name);
		const queued = await eventually('the second run queued', async () => {
			const run = await getRun(second);
			return run.status === 'queued' ? run : undefined;
		});
		expect(queued.queue).toEqual({ target: 'crm-demo', behind: [first] });
		expect((await operator.json('POST', `/api/v1/runs/${first}/steps/check/checklist`, { items: [0] })).status).toBe(200);
		expect((await runEnded<RunJson>(admin, first)).status).toBe('succeeded');
		await eventually('the second run on its checklist', async () => ((await getRun(second)).steps[0].status === 'waiting' ? true : undefined));
		expect((await operator.json('POST', `/api/v1/runs/${second}/steps/check/checklist`, { items: [0] })).status).toBe(200);
		expect((await runEnded<RunJson>(admin, second)).status).toBe('succeeded');
	});
});
