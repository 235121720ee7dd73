import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, type Db } from '../../db/client.ts';
import { decideReviewItem, revokeSuspended, suspendUnreviewed } from '../../shared/access-reviews.ts';
import { eventually, loginAsAdmin, type ApiClient } from '../helpers/api.ts';
import { appRows, createPerson, type Person } from '../helpers/people.ts';
import { startWorker, type TestWorker } from '../helpers/worker.ts';

interface Item {
	id: string;
	username: string;
	role: string;
	stale: boolean;
	state: string;
	own: boolean;
}
const rolesOf = async (username: string) =>
	(await appRows<{ role: string }>('select r.role::text from user_roles r join users u on u.id = r.user_id where u.username = $1 order by 1', [username])).map((r) => r.role);

/**
 * A campaign over Tend's users and roles, through the API and the real workflow's first act
 * (collect). Its deadline and grace period are the workflow's timers, tested with time skipping
 * (test/workflow/access-review-campaign.test.ts); here their acts are called as the workflow calls them.
 */
describe('access reviews over Tend users and roles', () => {
	let admin: ApiClient;
	let worker: TestWorker;
	let db: Db;
	let alice: Person;
	let bob: Person;
	let campaignId: string;
	let items: Item[];
	const item = (username: string, role: string) => items.find((i) => i.username === username && i.role === role)!;
	const refresh = async () => {
		const answer = await admin.json('GET', `/api/v1/access-reviews/${campaignId}`);
		expect(answer.status).toBe(200);
		items = (answer.body as { items: Item[] }).items;
		return answer.body as { campaign: { status: string }; items: Item[] };
	};

	beforeAll(async () => {
		[admin, worker] = await Promise.all([loginAsAdmin(), startWorker()]);
		db = createDb(process.env.TEST_APP_DATABASE_URL!, { max: 2 });
		alice = await createPerson(admin, 'rv-alice', ['viewer', 'operator']);
		bob = await createPerson(admin, 'rv-bob', ['approver']);
		// Bob last signed in 200 days ago: stale.
		await appRows("update users set last_login_at = now() - interval '200 days' where username = $1", [bob.username]);
	});
	afterAll(async () => {
		await worker?.stop();
		await db?.$client.end();
	});

	it('refuses a deadline too soon or too far, naming it', async () => {
		const soon = await admin.json('POST', '/api/v1/access-reviews', { name: 'x', deadline: new Date(Date.now() + 60_000).toISOString() });
		expect(soon.status).toBe(422);
		expect(JSON.stringify(soon.body)).toContain('deadline');
		expect((await admin.json('POST', '/api/v1/access-reviews', { name: 'x', deadline: 'tomorrow' })).status).toBe(422);
	});

	it('starts a campaign whose workflow collects every role of every enabled user, stale accounts flagged', async () => {
		const created = await admin.json('POST', '/api/v1/access-reviews', { name: `Q4 review ${randomUUID().slice(0, 6)}`, deadline: new Date(Date.now() + 7 * 86_400_000).toISOString(), graceHours: 48, staleDays: 90 });
		expect(created.status).toBe(201);
		campaignId = (created.body as { id: string }).id;
		await eventually('the campaign to collect its items', async () => ((await refresh()).campaign.status === 'open' ? true : undefined));
		expect(item(alice.username, 'operator')).toMatchObject({ state: 'pending', stale: false });
		expect(item(bob.username, 'approver')).toMatchObject({ state: 'pending', stale: true });
		expect(item('admin', 'admin')).toMatchObject({ own: true });
		// Alice sees only her own items.
		const hers = await alice.api.json('GET', `/api/v1/access-reviews/${campaignId}`);
		expect((hers.body as { items: Item[] }).items.map((i) => i.role).sort()).toEqual(['operator', 'viewer']);
		const list = await admin.json('GET', '/api/v1/access-reviews');
		expect((list.body as { campaigns: Array<{ id: string; stale: number }> }).campaigns.find((c) => c.id === campaignId)?.stale).toBeGreaterThanOrEqual(1);
	});

	it('revokes a role at once and audits it; certifies another; nobody decides their own access', async () => {
		const decide = (it: Item, decision: string, comment?: string) => admin.json('POST', `/api/v1/access-reviews/${campaignId}/items/${it.id}/decision`, { decision, comment });
		const revoked = await decide(item(alice.username, 'operator'), 'revoke', 'no longer on call');
		expect(revoked.status).toBe(200);
		expect(revoked.body).toMatchObject({ state: 'revoked', decidedBy: 'admin' });
		expect(await rolesOf(alice.username)).toEqual(['viewer']);
		expect(await appRows('select actor, details->>\'role\' as role from audit_log where action = $1 and subject = $2', ['access-review.revoke', `user:${alice.username}`])).toEqual([{ actor: 'admin', role: 'operator' }]);
		expect((await decide(item(alice.username, 'viewer'), 'certify')).status).toBe(200);
		expect((await decide(item(alice.username, 'viewer'), 'revoke')).status).toBe(409);
		expect((await decide(item('admin', 'admin'), 'certify')).status).toBe(403);
		expect((await alice.api.json('POST', `/api/v1/access-reviews/${campaignId}/items/${item(bob.username, 'approver').id}/decision`, { decision: 'revoke' })).status).toBe(403);
	});

	it('suspends what nobody reviewed at the deadline; the owner appeals and gets it back; the rest is revoked after the grace period', async () => {
		// Everyone else in this shared stack is certified first, so the deadline takes only Bob's role away.
		await refresh();
		const reviewer = { id: randomUUID(), username: 'test-reviewer' };
		for (const other of items.filter((i) => i.state === 'pending' && i.username !== bob.username)) await decideReviewItem(db, { campaignId, itemId: other.id, decision: 'certify', actor: reviewer });
		expect(await suspendUnreviewed(db, campaignId)).toEqual({ suspended: 1 });
		await refresh();
		expect(item(bob.username, 'approver').state).toBe('suspended');
		expect(await rolesOf(bob.username)).toEqual([]);

		// Only the owner may appeal.
		expect((await alice.api.json('POST', `/api/v1/access-reviews/${campaignId}/items/${item(bob.username, 'approver').id}/appeal`, { reason: 'mine' })).status).toBe(404);
		const appealed = await bob.api.json('POST', `/api/v1/access-reviews/${campaignId}/items/${item(bob.username, 'approver').id}/appeal`, { reason: 'I approve the monthly update' });
		expect(appealed.status).toBe(200);
		expect(appealed.body).toMatchObject({ state: 'appealed', own: true });
		expect(await rolesOf(bob.username)).toEqual(['approver']);

		expect(await revokeSuspended(db, campaignId)).toEqual({ revoked: 0 });
		expect((await refresh()).campaign.status).toBe('closed');
		// An appealed item is still the reviewers' to decide after the campaign closed.
		expect((await admin.json('POST', `/api/v1/access-reviews/${campaignId}/items/${item(bob.username, 'approver').id}/decision`, { decision: 'revoke' })).status).toBe(200);
		expect(await rolesOf(bob.username)).toEqual([]);
		const trail = await appRows<{ action: string; actor: string }>('select action, actor from audit_log where subject = $1 and action like $2 order by id', [`user:${bob.username}`, 'access-review.%']);
		expect(trail).toEqual([
			{ action: 'access-review.suspend', actor: 'system' },
			{ action: 'access-review.appeal', actor: bob.username },
			{ action: 'access-review.revoke', actor: 'admin' }
		]);
	});
});
