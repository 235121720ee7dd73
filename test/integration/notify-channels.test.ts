import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunView, StepView } from '../../web/src/lib/run-types.ts';
import { allowingTarget, type ApiClient, login, loginAsAdmin, putSecret, runSteps, webUrl } from '../helpers/api.ts';
import { startReceiver, type Receiver } from '../helpers/http-receiver.ts';
import { withClient } from '../helpers/postgres.ts';
import { startWorker, type TestWorker } from '../helpers/worker.ts';

const suffix = randomBytes(3).toString('hex');
const appDb = () => process.env.TEST_APP_DATABASE_URL!;

const step = (run: RunView, id: string): StepView => run.steps.find((s) => s.id === id)!;

interface NotificationsBody {
	unread: number;
	notifications: Array<{ id: string; title: string; body: string; link: string; runId: string; read: boolean }>;
}

describe('notify over webhooks and in-app, on the real stack', () => {
	let admin: ApiClient;
	let worker: TestWorker;
	let receiver: Receiver;
	/** The receiver listens on loopback, which webhooks reach only through a target that names it. */
	let local: string;

	beforeAll(async () => {
		[admin, worker, receiver] = await Promise.all([loginAsAdmin(), startWorker(), startReceiver()]);
		local = await allowingTarget(admin, `webhook-receiver-${suffix}`, ['127.0.0.1']);
	});
	afterAll(async () => {
		await worker?.stop();
		await receiver?.close();
	});

	it('posts the generic and Slack shapes, each exactly once, though one webhook fails once and the step is retried', async () => {
		// The Slack URL is a credential, so it lives in a secret; the generic one is written out.
		const slackSecret = `slack-hook-${suffix}`;
		await putSecret(admin, slackSecret, `${receiver.url}/services/T0/B0/xyz`);
		receiver.on('/services/T0/B0/xyz', (_req, res, count) => {
			res.statusCode = count === 1 ? 500 : 200;
			res.end(count === 1 ? 'internal_error' : 'ok');
		});
		const name = `webhooks-${suffix}`;
		const run = await runSteps<RunView>(admin, name, [
			{
				id: 'tell',
				uses: 'notify',
				with: { to: [`${receiver.url}/generic`], channel: 'webhook', subject: 'Nightly run of ${{ run.runbook }}', body: 'All <good> & done' },
				retry: { maxAttempts: 3, initialInterval: '1s' }
			},
			{
				id: 'chat',
				uses: 'notify',
				with: { to: [`secret:${slackSecret}`], channel: 'webhook', preset: 'slack', subject: 'CRM updated by ${{ run.initiator }}', body: 'Deals migrated.' },
				retry: { maxAttempts: 3, initialInterval: '1s' }
			}
		], 120_000, local);
		expect(run.status, run.error ?? '').toBe('succeeded');
		const runUrl = `${webUrl()}/runs/${run.id}`;

		const generic = receiver.received('/generic');
		expect(generic).toHaveLength(1);
		expect(generic[0].headers['content-type']).toBe('application/json');
		expect(JSON.parse(generic[0].body)).toEqual({ subject: `Nightly run of ${name}`, body: 'All <good> & done', run: run.id, step: 'tell', url: runUrl });
		expect(step(run, 'tell')).toMatchObject({ status: 'succeeded', attempts: 1, outputs: { delivered: 1, recipients: [`${receiver.url}/…`] } });

		// Rejected once with a 500, taken on the retry: one delivery, and the retry posted nothing else twice.
		const slack = receiver.received('/services/T0/B0/xyz');
		expect(slack).toHaveLength(2);
		expect(slack[0].body).toBe(slack[1].body);
		const payload = JSON.parse(slack[1].body) as { text: string; blocks: Array<{ type: string }> };
		expect(payload.text).toBe(`*CRM updated by admin*\nDeals migrated.\n<${runUrl}|Open the run>`);
		expect(payload.blocks.map((b) => b.type)).toEqual(['header', 'section', 'context']);
		expect(step(run, 'chat')).toMatchObject({ status: 'succeeded', attempts: 2, outputs: { delivered: 1, recipients: [`secret:${slackSecret}`] } });
		expect(receiver.received('/generic')).toHaveLength(1);

		const events = await withClient(appDb(), async (c) => (await c.query(`select step_id, message from run_events where run_id = $1 and key like 'notify-webhook:%' order by id`, [run.id])).rows);
		expect(events).toEqual([
			{ step_id: 'tell', message: `webhook delivered to ${receiver.url}/…` },
			{ step_id: 'chat', message: `webhook delivered to secret:${slackSecret}` }
		]);
	});

	it('delivers a retried webhook step only to the webhooks that had not taken it', async () => {
		receiver.on('/a', (_req, res) => void res.end('ok'));
		receiver.on('/b', (_req, res, count) => {
			res.statusCode = count === 1 ? 503 : 200;
			res.end();
		});
		const run = await runSteps<RunView>(admin, `webhooks-two-${suffix}`, [
			{ id: 'both', uses: 'notify', with: { to: [`${receiver.url}/a`, `${receiver.url}/b`], channel: 'webhook', preset: 'wecom', subject: 'Backup done' }, retry: { maxAttempts: 3, initialInterval: '1s' } }
		], 120_000, local);
		expect(step(run, 'both')).toMatchObject({ status: 'succeeded', attempts: 2, outputs: { delivered: 2 } });
		expect(receiver.received('/a')).toHaveLength(1);
		expect(receiver.received('/b')).toHaveLength(2);
		const content = (JSON.parse(receiver.received('/a')[0].body) as { msgtype: string; text: { content: string } });
		expect(content.msgtype).toBe('text');
		expect(content.text.content).toBe(`Backup done\n\nSent by step both of a run of the webhooks-two-${suffix} runbook.\n\nRun: ${webUrl()}/runs/${run.id}`);
	});

	it('ends an email with the link to the run', async () => {
		const to = `ops-${suffix}@example.test`;
		const run = await runSteps<RunView>(admin, `email-link-${suffix}`, [{ id: 'mail', uses: 'notify', with: { to: [to], subject: 'Index maintenance of ${{ run.runbook }} done', body: 'Nothing was bloated.' } }]);
		expect(step(run, 'mail')).toMatchObject({ status: 'succeeded', outputs: { delivered: 1, recipients: [to] } });
		const mail = await withClient(appDb(), async (c) => (await c.query('select subject, text from mail_sink where $1 = any(rcpt_to)', [to])).rows);
		expect(mail).toHaveLength(1);
		expect(mail[0].subject).toBe(`Index maintenance of email-link-${suffix} done`);
		expect(mail[0].text.trim()).toBe(`Nothing was bloated.\n\nRun: ${webUrl()}/runs/${run.id}`);
	});

	it('puts one in-app notice under each person named; each sees the unread count and marks it read', async () => {
		const password = `pw-${randomBytes(9).toString('hex')}`;
		const ivy = `ivy-${suffix}`;
		const max = `max-${suffix}`;
		for (const [username, roles] of [[ivy, ['operator']], [max, ['member']]] as const) {
			const created = await admin.json('POST', '/api/v1/users', { username, password, roles, email: `${username}@example.test` });
			expect(created.status, JSON.stringify(created.body)).toBe(201);
		}
		const run = await runSteps<RunView>(admin, `in-app-${suffix}`, [
			// Ivy is named twice (by name and by address) and still gets one notice.
			{ id: 'announce', uses: 'notify', with: { to: [`user:${ivy}`, `user:${max}`, `${ivy}@example.test`], channel: 'in-app', subject: 'Run ${{ run.runbook }} finished', body: 'The CRM is back.' } }
		]);
		expect(step(run, 'announce')).toMatchObject({ status: 'succeeded', outputs: { delivered: 2, recipients: [`user:${ivy}`, `user:${max}`].sort() } });

		const asIvy = await login(ivy, password);
		const seen = await asIvy.json<NotificationsBody>('GET', '/api/v1/notifications');
		expect(seen.status).toBe(200);
		expect(seen.body.unread).toBe(1);
		expect(seen.body.notifications).toEqual([expect.objectContaining({ title: `Run in-app-${suffix} finished`, body: 'The CRM is back.', link: `/runs/${run.id}`, runId: run.id, read: false })]);

		const asMax = await login(max, password);
		const maxOwn = (await asMax.json<NotificationsBody>('GET', '/api/v1/notifications')).body.notifications[0];
		// Nobody marks another person's notice.
		expect((await asIvy.json('POST', '/api/v1/notifications/read', { ids: [maxOwn.id] })).body).toEqual({ marked: 0, unread: 1 });
		expect((await asIvy.json('POST', '/api/v1/notifications/read', { ids: [seen.body.notifications[0].id] })).body).toEqual({ marked: 1, unread: 0 });
		expect((await asIvy.json<NotificationsBody>('GET', '/api/v1/notifications?unread=true')).body).toEqual({ unread: 0, notifications: [] });

		expect((await asMax.json('POST', '/api/v1/notifications/read', { all: true })).body).toEqual({ marked: 1, unread: 0 });
		const invalid = await asMax.json<{ status: number; errors: Array<{ path: string }> }>('POST', '/api/v1/notifications/read', { ids: ['not-an-id'] });
		expect(invalid.status).toBe(422);
		expect(invalid.body.errors[0].path).toBe('ids[0]');
		expect((await asMax.json('POST', '/api/v1/notifications/read', {})).status).toBe(422);
	});
});
