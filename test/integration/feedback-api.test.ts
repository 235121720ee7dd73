import { UNSUCCESSFUL_RUN_STATUSES } from '../../runbooks/run-model.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, loginAsAdmin, runEnded, webUrl, type ApiClient } from '../helpers/api.ts';
import { appRows, createPerson, uniqueName, type Person } from '../helpers/people.ts';
import { startWorker, type TestWorker } from '../helpers/worker.ts';

/**
 * Feedback items on the real stack: submitted by anyone signed in, each with its workflow; a
 * member sees only their own; triage with who and when; comments whose mentions notify; and
 * "closed by the fix": a linked run that succeeds closes the item with the run as evidence and
 * tells the submitter, one that fails or rolls back leaves it open and says so.
 */

interface Item {
	id: string;
	status: string;
	priority: string;
	submitter: string;
	closedBy: string | null;
	closedByRun: string | null;
	links: Array<{ runId: string; status: string; outcome: string | null }>;
	events: Array<{ kind: string; actor: string; details: Record<string, unknown> }>;
	errors?: Array<{ path: string }>;
}

describe('feedback items', () => {
	let admin: ApiClient;
	let worker: TestWorker;
	let member: Person;
	let otherMember: Person;
	let triager: Person;
	let viewer: Person;
	const target = uniqueName('fb-target');

	beforeAll(async () => {
		[admin, worker] = await Promise.all([loginAsAdmin(), startWorker()]);
		[member, otherMember, triager, viewer] = await Promise.all([createPerson(admin, 'fb-member', ['member']), createPerson(admin, 'fb-member2', ['member']), createPerson(admin, 'fb-triager', ['operator']), createPerson(admin, 'fb-viewer', ['viewer'])]);
		const created = await admin.json('POST', '/api/v1/targets', { apiVersion: 'tend/v1', kind: 'Target', metadata: { name: target, title: 'Feedback target' }, spec: { urls: { health: `${webUrl()}/healthz` }, databases: {}, http: { allowHosts: [new URL(webUrl()).host] } } });
		expect(created.status).toBe(201);
	});
	afterAll(async () => {
		await worker?.stop();
	});

	const submit = (who: ApiClient, body: Record<string, unknown>) => who.json<Item>('POST', '/api/v1/feedback', body);
	const read = (who: ApiClient, id: string) => who.json<Item>('GET', `/api/v1/feedback/${id}`);

	it('takes an item from anyone signed in, starts its workflow and refuses bad input by field', async () => {
		const bad = await submit(member.api, { target: 'no-such-target', type: 'bug', title: 'x' });
		expect(bad.status).toBe(422);
		expect(bad.body.errors?.map((e) => e.path)).toEqual(['target']);
		expect((await submit(member.api, { target, type: 'praise', title: 'x' })).body.errors?.map((e) => e.path)).toEqual(['type']);

		const { status, body } = await submit(member.api, { target, type: 'bug', title: 'Export hangs', body: 'The CSV export never finishes.' });
		expect(status).toBe(201);
		expect(body).toMatchObject({ status: 'new', priority: 'normal', submitter: member.username });
		const [workflow] = await appRows<{ id: string }>('select id from feedback_items where id = $1', [body.id]);
		expect(workflow.id).toBe(body.id);
		expect((await read(member.api, body.id)).body.events.map((e) => e.kind)).toEqual(['submitted']);
	});

	it('shows a member only their own items; other roles see all', async () => {
		const mine = (await submit(member.api, { target, type: 'question', title: 'Where are invoices?' })).body;
		expect((await read(otherMember.api, mine.id)).status).toBe(404);
		expect((await read(viewer.api, mine.id)).status).toBe(200);
		const list = await otherMember.api.json<{ items: Item[] }>('GET', '/api/v1/feedback');
		expect(list.body.items.every((i) => i.submitter === otherMember.username)).toBe(true);
		const all = await viewer.api.json<{ items: Item[] }>('GET', `/api/v1/feedback?target=${target}&type=question`);
		expect(all.body.items.map((i) => i.id)).toContain(mine.id);
	});

	it('lets triagers move the status with who and when, refuses others and impossible moves', async () => {
		const item = (await submit(member.api, { target, type: 'request', title: 'Dark mode' })).body;
		expect((await member.api.json('PATCH', `/api/v1/feedback/${item.id}`, { status: 'triaged' })).status).toBe(403);
		expect((await triager.api.json<Item>('PATCH', `/api/v1/feedback/${item.id}`, { status: 'duplicate' })).body.errors?.map((e) => e.path)).toEqual(['status']);
		const triaged = await triager.api.json<Item>('PATCH', `/api/v1/feedback/${item.id}`, { status: 'triaged', priority: 'high', assignee: triager.username });
		expect(triaged.status).toBe(200);
		expect(triaged.body.events.filter((e) => e.kind !== 'submitted').map((e) => [e.kind, e.actor, e.details.to])).toEqual([
			['status', triager.username, 'triaged'],
			['priority', triager.username, 'high'],
			['assignee', triager.username, triager.username]
		]);
		const declined = await triager.api.json<Item>('PATCH', `/api/v1/feedback/${item.id}`, { status: 'declined' });
		expect(declined.body).toMatchObject({ status: 'declined', closedBy: triager.username });
		expect((await triager.api.json('PATCH', `/api/v1/feedback/${item.id}`, { status: 'planned' })).status).toBe(409);
		// The workflow tells the submitter once it sees the item closed.
		await eventually('the submitter to be told', async () => {
			const rows = await appRows<{ title: string }>("select n.title from notifications n join users u on u.id = n.user_id where u.username = $1 and n.key like $2", [member.username, `feedback-closed:${item.id}:%`]);
			return rows.length === 1 ? rows : undefined;
		});
	});

	it('notifies the people a comment mentions', async () => {
		const item = (await submit(member.api, { target, type: 'bug', title: 'Slow search' })).body;
		const comment = await member.api.json<{ kind: string; details: { mentions: string[] } }>('POST', `/api/v1/feedback/${item.id}/comments`, { body: `@${triager.username} can you look? (mail me at someone@example.test)` });
		expect(comment.status).toBe(201);
		expect(comment.body.details.mentions).toEqual([triager.username]);
		const rows = await appRows<{ link: string }>("select n.link from notifications n join users u on u.id = n.user_id where u.username = $1 and n.key like 'feedback-mention:%'", [triager.username]);
		expect(rows.map((r) => r.link)).toEqual([`/feedback/${item.id}`]);
		const mail = await eventually('the mention mail', async () => {
			const sent = await appRows<{ subject: string }>('select subject from mail_sink where $1 = any(rcpt_to)', [`${triager.username}@example.test`]);
			return sent.length ? sent : undefined;
		}, 30_000);
		expect(mail.map((m) => m.subject)).toEqual([`${member.username} mentioned you on feedback: Slow search`]);
	});

	async function startRun(name: string, spec: Record<string, unknown>): Promise<string> {
		// The runbook acts on the target, whose allowHosts lets its checks reach Tend's own health page.
		const published = await admin.json('POST', '/api/v1/runbooks', { apiVersion: 'tend/v1', kind: 'Runbook', metadata: { name, title: name }, spec: { target, ...spec } });
		expect(published.status, JSON.stringify(published.body)).toBe(201);
		const started = await admin.json<{ id: string }>('POST', `/api/v1/runbooks/${name}/runs`, { inputs: {} });
		expect(started.status, JSON.stringify(started.body)).toBe(201);
		return started.body.id;
	}

	it('closes an item when its linked run succeeds, with the run as evidence, and tells the submitter', async () => {
		const item = (await submit(member.api, { target, type: 'bug', title: 'Nightly job misses rows' })).body;
		const runId = await startRun(uniqueName('fb-fix'), { steps: [{ id: 'fix', uses: 'wait', with: { duration: '2s' } }, { id: 'verify', uses: 'http.check', with: { url: `${webUrl()}/healthz` } }] });
		const linked = await triager.api.json<Item>('POST', `/api/v1/feedback/${item.id}/links`, { runId });
		expect(linked.status).toBe(200);
		expect(linked.body.status).not.toBe('done');
		expect((await runEnded(admin, runId)).status).toBe('succeeded');
		const done = await eventually('the item to close', async () => {
			const { body } = await read(member.api, item.id);
			return body.status === 'done' ? body : undefined;
		});
		expect(done).toMatchObject({ closedByRun: runId, closedBy: 'system', links: [{ runId, outcome: 'succeeded' }] });
		expect(done.events.map((e) => e.kind)).toEqual(['submitted', 'linked', 'run_succeeded', 'status']);
		await eventually('the submitter to be told', async () => {
			const rows = await appRows<{ body: string }>("select n.body from notifications n join users u on u.id = n.user_id where u.username = $1 and n.key like $2", [member.username, `feedback-closed:${item.id}:%`]);
			return rows.length === 1 && rows[0].body.includes(runId) ? rows : undefined;
		});
	});

	it('leaves the item open when its linked run fails or rolls back, and says so on the item', async () => {
		const item = (await submit(member.api, { target, type: 'bug', title: 'Report totals wrong' })).body;
		const runId = await startRun(uniqueName('fb-broken'), {
			onFailure: 'rollback',
			steps: [
				{ id: 'fix', uses: 'wait', with: { duration: '2s' }, rollback: { uses: 'http.check', with: { url: `${webUrl()}/healthz` } } },
				{ id: 'verify', uses: 'http.check', needs: ['fix'], with: { url: `${webUrl()}/healthz`, expectStatus: 418 } }
			]
		});
		expect((await triager.api.json('POST', `/api/v1/feedback/${item.id}/links`, { runId })).status).toBe(200);
		const run = await runEnded<{ status: string }>(admin, runId);
		expect(UNSUCCESSFUL_RUN_STATUSES).toContain(run.status);
		const open = await eventually('the run to be noted', async () => {
			const { body } = await read(member.api, item.id);
			return body.links[0]?.outcome ? body : undefined;
		});
		expect(open.status).toBe('new');
		expect(open.links).toEqual([expect.objectContaining({ runId, outcome: run.status })]);
		expect(open.events.at(-1)).toMatchObject({ kind: 'run_unsuccessful', details: { runId, outcome: run.status, open: true } });

		// A run that ended before it was linked settles at once.
		const late = (await submit(member.api, { target, type: 'bug', title: 'Another wrong total' })).body;
		const again = await triager.api.json<Item>('POST', `/api/v1/feedback/${late.id}/links`, { runId });
		expect(again.body).toMatchObject({ status: 'new', links: [{ runId, outcome: run.status }] });
	});
	it('merges a duplicate into its item, carrying votes and watchers, and tells every submitter when it closes', async () => {
		const original = (await submit(member.api, { target, type: 'bug', title: 'Login page slow' })).body;
		const duplicate = (await submit(otherMember.api, { target, type: 'bug', title: 'Sign-in takes ages' })).body;
		expect((await viewer.api.json<Item & { votes: number }>('PUT', `/api/v1/feedback/${duplicate.id}/votes`, { vote: true })).body.votes).toBe(1);
		expect((await viewer.api.json<Item & { watching: boolean }>('PUT', `/api/v1/feedback/${duplicate.id}/watch`, { watching: true })).body.watching).toBe(true);
		expect((await member.api.json<Item & { votes: number }>('PUT', `/api/v1/feedback/${original.id}/votes`, { vote: true })).body.votes).toBe(1);
		// A member cannot vote on an item they cannot see.
		expect((await otherMember.api.json('PUT', `/api/v1/feedback/${original.id}/votes`, { vote: true })).status).toBe(404);

		expect((await otherMember.api.json('POST', `/api/v1/feedback/${duplicate.id}/merge`, { into: original.id })).status).toBe(403);
		expect((await triager.api.json<Item>('POST', `/api/v1/feedback/${duplicate.id}/merge`, { into: duplicate.id })).body.errors?.map((e) => e.path)).toEqual(['into']);
		const merged = await triager.api.json<Item & { votes: number; duplicates: string[] }>('POST', `/api/v1/feedback/${duplicate.id}/merge`, { into: original.id });
		expect(merged.status).toBe(200);
		expect(merged.body).toMatchObject({ id: original.id, votes: 2, duplicates: [duplicate.id] });
		expect((await read(otherMember.api, duplicate.id)).body).toMatchObject({ status: 'duplicate', duplicateOf: original.id });
		expect((await triager.api.json('POST', `/api/v1/feedback/${duplicate.id}/merge`, { into: original.id })).status).toBe(409);

		expect((await triager.api.json('PATCH', `/api/v1/feedback/${original.id}`, { status: 'done' })).status).toBe(200);
		const told = await eventually('every submitter and watcher to be told', async () => {
			const rows = await appRows<{ username: string }>("select u.username from notifications n join users u on u.id = n.user_id where n.key like $1", [`feedback-closed:${original.id}:%`]);
			return rows.length === 3 ? rows.map((r) => r.username).sort() : undefined;
		});
		expect(told).toEqual([member.username, otherMember.username, viewer.username].sort());
	});
});
