import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approvalLinkKey, approvalLinkPath } from '../../shared/approval-links.ts';
import { anonymousClient, eventually, login, loginAsAdmin, runEnded, webUrl, type ApiClient } from '../helpers/api.ts';
import { withClient } from '../helpers/postgres.ts';
import { startWorker, type TestWorker } from '../helpers/worker.ts';

interface NotificationJson {
	notifications: Array<{ id: string; title: string; body: string; link: string | null; runId: string | null }>;
}
interface RunJson {
	status: string;
	steps: Array<{ id: string; status: string }>;
}

/** A run that waits for a decision tells each person who may decide, once, with a signed link to it. */
describe('signed approval links in notifications', () => {
	const suffix = randomBytes(3).toString('hex');
	const runbook = `approval-links-${suffix}`;
	const people: Record<string, ApiClient> = {};
	let admin: ApiClient;
	let worker: TestWorker;
	const stackEnv = JSON.parse(process.env.TEST_STACK_ENV ?? '{}') as Record<string, string>;

	beforeAll(async () => {
		[admin, worker] = await Promise.all([loginAsAdmin(), startWorker()]);
		const steps = [
			{ id: 'ask', uses: 'approval', with: { approvers: ['role:approver'], message: 'Send the all-clear?' } },
			// High risk with no approval on its path (it starts at once, beside `ask`): the workflow puts an implicit gate before it.
			{ id: 'tell', uses: 'notify', risk: 'high', needs: [], with: { to: [`user:ivy-${suffix}`], channel: 'in-app', subject: 'all clear' } }
		];
		const published = await admin.json('POST', '/api/v1/runbooks', { apiVersion: 'tend/v1', kind: 'Runbook', metadata: { name: runbook, title: 'Approval links' }, spec: { steps } });
		expect([200, 201], JSON.stringify(published.body)).toContain(published.status);
		// Ivy starts the run and is an approver too: four eyes keeps her off the list.
		for (const [name, roles] of [['ann', ['approver']], ['ben', ['approver']], ['cat', ['viewer']], ['ivy', ['operator', 'approver']]] as const) {
			const username = `${name}-${suffix}`;
			const password = randomBytes(12).toString('base64url');
			expect((await admin.json('POST', '/api/v1/users', { username, password, roles, email: `${username}@example.test` })).status).toBe(201);
			people[name] = await login(username, password);
		}
	});
	afterAll(async () => {
		await worker?.stop();
	});

	const approvalNotices = async (who: ApiClient, runId: string) =>
		(await who.json<NotificationJson>('GET', '/api/v1/notifications?limit=200')).body.notifications.filter((n) => n.runId === runId && n.link?.startsWith('/approvals/open?'));
	// Other test files' approvers are asked too (the stack is shared), so count this file's people, and duplicates across everyone.
	const countInDatabase = (runId: string) =>
		withClient(process.env.TEST_APP_DATABASE_URL!, async (c) => {
			const usernames = ['ann', 'ben', 'cat', 'ivy'].map((name) => `${name}-${suffix}`);
			const { rows } = await c.query(
				`select count(*) filter (where u.username = any($2)) as ours, count(*) - count(distinct n.key) as repeated
				   from notifications n join users u on u.id = n.user_id
				  where n.run_id = $1 and n.key like 'approval:%'`,
				[runId, usernames]
			);
			expect(Number(rows[0].repeated)).toBe(0);
			return Number(rows[0].ours);
		});
	const decide = (who: ApiClient, runId: string, stepId: string) => who.json('POST', `/api/v1/runs/${runId}/steps/${stepId}/decision`, { decision: 'approve' });

	it('notifies each eligible approver once, and the signed link leads to the step only for a signed-in person', async () => {
		const { body: started } = await people.ivy.json<{ id: string }>('POST', `/api/v1/runbooks/${runbook}/runs`, { inputs: {} });
		const runId = started.id;

		// One for the explicit approval, one for the gate: each its own round.
		const annNotices = await eventually('ann’s two approval notifications', async () => {
			const found = await approvalNotices(people.ann, runId);
			return found.length >= 2 ? found : undefined;
		});
		expect(annNotices).toHaveLength(2);
		const annNotice = annNotices.find((n) => n.link?.includes('step=ask&'))!;
		const gateNotice = annNotices.find((n) => n.link?.includes('step=tell.approval&'))!;
		expect(gateNotice.title).toContain('"tell.approval"');
		expect(gateNotice.body).toContain('is high risk');
		expect(annNotice.title).toContain(runbook);
		expect(annNotice.title).toContain('"ask"');
		expect(annNotice.body).toBe('Send the all-clear?');
		await eventually('ben’s approval notifications', async () => ((await approvalNotices(people.ben, runId)).length === 2 ? true : undefined));
		// Not the initiator (four eyes), not a viewer; the admin is no approver either.
		expect(await approvalNotices(people.ivy, runId)).toEqual([]);
		expect(await approvalNotices(people.cat, runId)).toEqual([]);
		expect(await approvalNotices(admin, runId)).toEqual([]);
		expect(await countInDatabase(runId)).toBe(4);

		const link = annNotice.link!;
		// The same request by email, with the signed link made absolute: one message per round, to the eligible people only.
		const mails = await eventually('the approval emails', async () => {
			const rows = await withClient(process.env.TEST_APP_DATABASE_URL!, async (c) =>
				(await c.query<{ subject: string; text: string; rcpt_to: string[] }>(`select subject, text, rcpt_to from mail_sink where subject like $1`, [`Approval needed: ${runbook} %`])).rows
			);
			return rows.length >= 2 ? rows : undefined;
		});
		const askMail = mails.find((m) => m.subject.endsWith('step "ask"'))!;
		// Other files' approvers on the shared stack are eligible too; these are the people this test made.
		expect(askMail.rcpt_to.filter((to) => to.endsWith(`-${suffix}@example.test`)).sort()).toEqual([`ann-${suffix}@example.test`, `ben-${suffix}@example.test`]);
		expect(askMail.text).toContain('Send the all-clear?');
		expect(askMail.text).toContain(`${webUrl()}${link}`);
		expect(mails).toHaveLength(2);
		const url = new URL(link, 'http://tend.test');
		expect(Object.fromEntries(url.searchParams)).toMatchObject({ run: runId, step: 'ask' });

		// Signed in: on to the step on the run's page.
		const opened = await people.ann.request('GET', link);
		expect(opened.status).toBe(303);
		expect(opened.headers.get('location')).toBe(`/runs/${runId}#step-ask`);
		// The signature is no credential: a viewer gets there too, and the run page and decision check roles.
		expect((await people.cat.request('GET', link)).headers.get('location')).toBe(`/runs/${runId}#step-ask`);

		// Not signed in: to the login page, which comes back to the link.
		const anonymous = await anonymousClient().request('GET', link);
		expect(anonymous.status).toBe(303);
		expect(anonymous.headers.get('location')).toBe(`/login?next=${encodeURIComponent(link)}`);

		// Tampered with or expired: one plain page that names nothing.
		const refusedPage = async (path: string) => {
			const response = await people.ann.request('GET', path);
			expect(response.status).toBe(200);
			const html = await response.text();
			expect(html).toContain('This approval link is invalid or has expired');
			expect(html).toContain('href="/approvals"');
			return html;
		};
		const otherStep = new URL(url);
		otherStep.searchParams.set('step', 'tell.approval');
		expect(await refusedPage(otherStep.pathname + otherStep.search)).not.toContain(runId);
		const badSig = new URL(url);
		const sig = badSig.searchParams.get('sig')!;
		badSig.searchParams.set('sig', (sig[0] === 'A' ? 'B' : 'A') + sig.slice(1));
		await refusedPage(badSig.pathname + badSig.search);
		const key = approvalLinkKey(stackEnv.TEND_SECRET_KEY);
		await refusedPage(approvalLinkPath(key, runId, 'ask', new Date(Date.now() - 3_600_000), 60));
		// The same key, fresh: this instance's own signature is accepted.
		expect((await people.ann.request('GET', approvalLinkPath(key, runId, 'ask'))).headers.get('location')).toBe(`/runs/${runId}#step-ask`);

		expect((await people.ann.request('GET', gateNotice.link!)).headers.get('location')).toBe(`/runs/${runId}#step-${encodeURIComponent('tell.approval')}`);

		// The decisions, by whoever may: the links changed nothing about who that is.
		expect((await decide(people.ann, runId, 'ask')).status).toBe(200);
		// Decided by Ann: Ben's notice of that round is done too.
		await eventually('the decided round’s notices marked read for everyone', async () => {
			const unread = await withClient(process.env.TEST_APP_DATABASE_URL!, async (c) =>
				Number((await c.query(`select count(*) from notifications where run_id = $1 and key like $2 and read_at is null`, [runId, `approval:${runId}:ask:%`])).rows[0].count)
			);
			return unread === 0 ? true : undefined;
		});
		expect((await decide(people.ben, runId, 'tell.approval')).status).toBe(200);
		const run = await runEnded<RunJson>(admin, runId);
		expect(run.status).toBe('succeeded');
		// Still exactly one per approver and round once everything is done.
		expect(await countInDatabase(runId)).toBe(4);
	});
});
