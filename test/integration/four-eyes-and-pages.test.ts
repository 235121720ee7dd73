import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, loginAsAdmin, runEnded, type ApiClient } from '../helpers/api.ts';
import { appRows, createPerson, fromSource, uniqueName, type Person } from '../helpers/people.ts';
import { startWorker, type TestWorker } from '../helpers/worker.ts';

interface Problem {
	detail?: string;
	errors?: Array<{ path: string; message: string }>;
}
interface RunJson {
	status: string;
	initiator: string;
	version: number;
}

const gated = (name: string, subject: string) => `apiVersion: tend/v1
kind: Runbook
metadata: { name: ${name}, title: ${name} }
spec:
  steps:
    - id: ask
      uses: approval
      with: { approvers: [role:approver], message: "Go ahead?" }
    - id: tell
      uses: notify
      with: { to: [ops@example.test], subject: "${subject}" }
`;

describe('four eyes through a schedule (issue 12, hole 5)', () => {
	let admin: ApiClient;
	let worker: TestWorker;
	let creator: Person;
	let presser: Person;
	let approver: Person;
	let connection: Connection;
	const runbook = uniqueName('sched-gate');

	beforeAll(async () => {
		[admin, worker] = await Promise.all([loginAsAdmin(), startWorker()]);
		expect((await admin.send('POST', '/api/v1/runbooks', gated(runbook, 'scheduled gate passed'), 'application/yaml')).status).toBe(201);
		// The creator and the presser may schedule and approve alike: only four eyes stands between them and their own runs.
		creator = await createPerson(admin, 'cora', ['operator', 'approver']);
		presser = await createPerson(admin, 'pete', ['operator', 'approver']);
		approver = await createPerson(admin, 'apu', ['approver']);
		connection = await Connection.connect({ address: (JSON.parse(process.env.TEST_STACK_ENV!) as Record<string, string>).TEMPORAL_ADDRESS });
	});
	afterAll(async () => {
		await connection?.close();
		await worker?.stop();
	});

	const decide = (who: Person, runId: string) => who.api.json<Problem>('POST', `/api/v1/runs/${runId}/steps/ask/decision`, { decision: 'approve' });
	const waiting = (runId: string) => eventually('the approval to wait', async () => (await approver.api.json<{ approvals: Array<{ runId: string }> }>('GET', '/api/v1/approvals')).body.approvals.find((a) => a.runId === runId));

	it('makes the person who pressed "run now" the initiator, who then may not approve it', async () => {
		const schedule = (await creator.api.json<{ id: string }>('POST', '/api/v1/schedules', { runbook, every: '1h', paused: true })).body.id;
		const triggered = await presser.api.json<{ runId: string }>('POST', `/api/v1/schedules/${schedule}/trigger`);
		expect(triggered.status).toBe(202);
		const runId = triggered.body.runId;
		expect((await admin.json<RunJson>('GET', `/api/v1/runs/${runId}`)).body.initiator).toBe(presser.username);
		await waiting(runId);
		const refused = await decide(presser, runId);
		expect(refused.status).toBe(403);
		expect(refused.body.detail).toMatch(/four eyes/);
		expect((await decide(creator, runId)).status).toBe(200);
		expect((await runEnded<RunJson>(admin, runId)).status).toBe('succeeded');
		// It shows among the schedule's runs.
		expect((await admin.json<{ recentRuns: Array<{ runId?: string }> }>('GET', `/api/v1/schedules/${schedule}`)).body.recentRuns.map((r) => r.runId)).toContain(runId);
	});

	it('gives a scheduled firing the schedule as initiator, and bars the schedule’s creator from approving it', async () => {
		const schedule = (await creator.api.json<{ id: string }>('POST', '/api/v1/schedules', { runbook, every: '1h', paused: true })).body.id;
		// Temporal's own trigger fires the schedule's action exactly as its timer would.
		await new Client({ connection }).schedule.getHandle(schedule).trigger('ALLOW_ALL');
		const fired = await eventually('the firing to start a run', async () => (await admin.json<{ recentRuns: Array<{ runId?: string }> }>('GET', `/api/v1/schedules/${schedule}`)).body.recentRuns.find((r) => r.runId));
		const runId = fired.runId!;
		expect((await admin.json<RunJson>('GET', `/api/v1/runs/${runId}`)).body.initiator).toBe(`schedule:${schedule}`);
		await waiting(runId);
		// The creator is not offered it, and is refused if they try.
		expect((await creator.api.json<{ approvals: Array<{ runId: string }> }>('GET', '/api/v1/approvals')).body.approvals.find((a) => a.runId === runId)).toBeUndefined();
		const refused = await decide(creator, runId);
		expect(refused.status).toBe(403);
		expect(refused.body.detail).toMatch(/four eyes/);
		expect((await decide(approver, runId)).status).toBe(200);
		expect((await runEnded<RunJson>(admin, runId)).status).toBe('succeeded');
		const [started] = await appRows<{ actor: string }>("select actor from audit_log where action = 'run.start' and subject = $1", [`run:${runId}`]);
		expect(started.actor).toBe(`schedule:${schedule}`);
	});
});

describe('pages and starts that follow the API’s roles (issue 12, hole 8)', () => {
	let admin: ApiClient;
	beforeAll(async () => {
		admin = await loginAsAdmin();
	});

	it('refuses a member the targets pages, as the API refuses them', async () => {
		const member = await createPerson(admin, 'meg', ['member']);
		expect((await member.api.request('GET', '/api/v1/targets')).status).toBe(403);
		expect((await member.api.request('GET', '/targets')).status).toBe(403);
		expect((await member.api.request('GET', '/targets/crm-demo')).status).toBe(403);
		const dashboard = await (await member.api.request('GET', '/')).text();
		expect(dashboard).not.toContain('crm-demo');
	});

	it('lets an operator start only the current version, which an author may pin', async () => {
		const name = uniqueName('versions');
		const publish = (subject: string) => admin.send('POST', '/api/v1/runbooks', gated(name, subject).replace(/ {4}- id: ask\n.*\n.*\n/, ''), 'application/yaml');
		expect((await publish('v1')).status).toBe(201);
		expect((await publish('v2')).status).toBe(201);
		const operator = await createPerson(admin, 'otto', ['operator']);
		const author = await createPerson(admin, 'ana', ['author']);
		const start = (who: ApiClient, version?: number) => who.json<{ id: string } & Problem>('POST', `/api/v1/runbooks/${name}/runs`, { inputs: {}, ...(version ? { version } : {}) });

		const old = await start(operator.api, 1);
		expect(old.status).toBe(403);
		expect(old.body.errors).toEqual([{ path: 'version', message: 'must be 2, or left out' }]);
		expect((await start(operator.api, 2)).status).toBe(201);
		expect((await start(author.api, 1)).status).toBe(201);

		// The page says which version runs start, and offers the operator no start of another.
		const page = await (await operator.api.request('GET', `/runbooks/${name}?version=1`)).text();
		expect(page).toContain('Runs start version 2');
		expect(page).not.toContain('action="?/start"');

		expect((await operator.api.json('PUT', `/api/v1/runbooks/${name}/pin`, { version: 1 })).status).toBe(403);
		expect((await author.api.json('PUT', `/api/v1/runbooks/${name}/pin`, { version: 1 })).body).toEqual({ pinnedVersion: 1, currentVersion: 1 });
		const pinnedRun = await start(operator.api);
		expect((await admin.json<RunJson>('GET', `/api/v1/runs/${pinnedRun.body.id}`)).body.version).toBe(1);
		expect((await start(operator.api, 2)).status).toBe(403);
		expect((await author.api.json('DELETE', `/api/v1/runbooks/${name}/pin`)).body).toEqual({ pinnedVersion: null, currentVersion: 2 });
		expect((await appRows<{ action: string }>("select action from audit_log where subject = $1 and action like 'runbook.%pin' order by id", [`runbook:${name}`])).map((r) => r.action)).toEqual(['runbook.pin', 'runbook.unpin']);
	});
});

describe('sign-in throttling per source and per user (issue 12, hole 8)', () => {
	let admin: ApiClient;
	beforeAll(async () => {
		admin = await loginAsAdmin();
	});

	it('slows a source that sprays 30 usernames, and not other sources', async () => {
		const sprayer = fromSource('127.0.0.51');
		const statuses: number[] = [];
		let retryAfter: string | undefined;
		for (let i = 0; i < 30; i++) {
			const answer = await sprayer.signIn(uniqueName('nobody'), 'Winter2026!!');
			statuses.push(answer.status);
			if (answer.status === 429) retryAfter ??= String(answer.headers['retry-after']);
		}
		expect(statuses.slice(0, 20).every((s) => s === 401)).toBe(true);
		expect(statuses.filter((s) => s === 429).length).toBeGreaterThan(0);
		expect(Number(retryAfter)).toBeGreaterThan(0);
		const person = await createPerson(admin, 'sam', ['viewer']);
		expect((await fromSource('127.0.0.52').signIn(person.username, person.password)).status).toBe(200);
	});

	it('does not let someone else’s failures lock a user out of their own device', async () => {
		const rita = await createPerson(admin, 'rita', ['viewer']);
		const device = fromSource('127.0.0.61');
		expect((await device.signIn(rita.username, rita.password)).status).toBe(200);
		expect(device.cookies.has('tend_device')).toBe(true);
		// Someone guessing at rita from the same address (an office behind one NAT): slowed down, counted against rita's name.
		const guesses: number[] = [];
		for (let i = 0; i < 12; i++) guesses.push((await fromSource('127.0.0.61').signIn(rita.username, `guess-${i}-wrong-password`)).status);
		expect(guesses).toContain(429);
		// Rita's own browser still gets in with her password.
		expect((await device.signIn(rita.username, rita.password)).status).toBe(200);
	});
});
