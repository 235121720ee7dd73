import { describe, expect, it } from 'vitest';
import { withRunLink } from '../../activities/notify-message.ts';
import { plainText, webhookPayload, webhookRefusal, type WebhookMessage } from '../../activities/webhook-payloads.ts';
import { httpCheckWith, notifyWith, WEBHOOK_PRESETS } from '../../runbooks/step-schemas.ts';

const message: WebhookMessage = {
	subject: 'CRM updated to 1.2',
	body: 'Deals <b>& stages</b> migrated.\nNo action needed.',
	runId: '0b9d4c3e-9a51-4a57-8d0e-5d3f3f1a2b7c',
	stepId: 'announce',
	runUrl: 'https://tend.example.com/runs/0b9d4c3e-9a51-4a57-8d0e-5d3f3f1a2b7c'
};
const text = `CRM updated to 1.2\n\nDeals <b>& stages</b> migrated.\nNo action needed.\n\nRun: ${message.runUrl}`;

describe('webhook payloads', () => {
	it('generic JSON carries subject, body, run, step and the run’s URL', () => {
		expect(webhookPayload('generic', message)).toEqual({ subject: message.subject, body: message.body, run: message.runId, step: 'announce', url: message.runUrl });
		expect(webhookPayload('generic', { ...message, runUrl: undefined })).not.toHaveProperty('url');
	});

	it('Slack gets text (escaped for mrkdwn) and blocks with the link', () => {
		const payload = webhookPayload('slack', message) as { text: string; blocks: Array<Record<string, unknown>> };
		expect(payload.text).toBe(`*CRM updated to 1.2*\nDeals &lt;b&gt;&amp; stages&lt;/b&gt; migrated.\nNo action needed.\n<${message.runUrl}|Open the run>`);
		expect(payload.blocks.map((b) => b.type)).toEqual(['header', 'section', 'context']);
		expect(payload.blocks[0]).toEqual({ type: 'header', text: { type: 'plain_text', text: 'CRM updated to 1.2' } });
	});

	it('Slack leaves out the blocks a message has nothing for, and clips a long header', () => {
		const payload = webhookPayload('slack', { ...message, subject: 'x'.repeat(200), body: '  ', runUrl: undefined }) as { blocks: Array<{ type: string; text: { text: string } }> };
		expect(payload.blocks.map((b) => b.type)).toEqual(['header']);
		expect(payload.blocks[0].text.text).toHaveLength(150);
	});

	it('Teams gets a minimal Adaptive Card with an Open the run action', () => {
		const payload = webhookPayload('teams', message) as { type: string; attachments: Array<{ contentType: string; content: Record<string, unknown> }> };
		expect(payload.type).toBe('message');
		expect(payload.attachments).toHaveLength(1);
		expect(payload.attachments[0].contentType).toBe('application/vnd.microsoft.card.adaptive');
		expect(payload.attachments[0].content).toMatchObject({
			type: 'AdaptiveCard',
			body: [{ type: 'TextBlock', text: message.subject, weight: 'Bolder' }, { type: 'TextBlock', text: message.body.trim(), wrap: true }],
			actions: [{ type: 'Action.OpenUrl', title: 'Open the run', url: message.runUrl }]
		});
	});

	it('DingTalk, Feishu and WeCom get their text shapes with subject, body and link', () => {
		expect(webhookPayload('dingtalk', message)).toEqual({ msgtype: 'text', text: { content: text } });
		expect(webhookPayload('feishu', message)).toEqual({ msg_type: 'text', content: { text } });
		expect(webhookPayload('wecom', message)).toEqual({ msgtype: 'text', text: { content: text } });
		expect(plainText({ ...message, body: '', runUrl: undefined })).toBe('CRM updated to 1.2');
	});

	it('has a shape for every preset the schema offers, each serialisable', () => {
		for (const preset of WEBHOOK_PRESETS) expect(JSON.parse(JSON.stringify(webhookPayload(preset, message)))).toEqual(webhookPayload(preset, message));
	});
});

describe('webhook answers', () => {
	it('reads the error codes chat services return with a 200', () => {
		expect(webhookRefusal('dingtalk', '{"errcode":310000,"errmsg":"keywords not in content"}')).toBe('error 310000: keywords not in content');
		expect(webhookRefusal('wecom', '{"errcode":45009,"errmsg":"api freq out of limit"}')).toBe('error 45009: api freq out of limit');
		expect(webhookRefusal('feishu', '{"code":19021,"msg":"sign match fail or timestamp is not within one hour from current time"}')).toMatch(/^error 19021: sign match fail/);
		expect(webhookRefusal('feishu', '{"StatusCode":0,"StatusMessage":"success"}')).toBeUndefined();
		expect(webhookRefusal('dingtalk', '{"errcode":0,"errmsg":"ok"}')).toBeUndefined();
	});

	it('takes any 2xx from receivers without error codes', () => {
		expect(webhookRefusal('slack', 'ok')).toBeUndefined();
		expect(webhookRefusal('generic', '{"errcode":1}')).toBeUndefined();
		expect(webhookRefusal('wecom', 'not json')).toBeUndefined();
	});
});

describe('the run link in text messages', () => {
	it('ends the body with the run’s URL once, and not at all without a public URL', () => {
		expect(withRunLink('Done.\n', 'https://t.example/runs/1')).toBe('Done.\n\nRun: https://t.example/runs/1\n');
		expect(withRunLink('See https://t.example/runs/1', 'https://t.example/runs/1')).toBe('See https://t.example/runs/1');
		expect(withRunLink('Done.', undefined)).toBe('Done.');
	});
});

describe('the notify and http.check with schemas', () => {
	const issues = (value: unknown) => notifyWith.safeParse(value).error?.issues.map((i) => ({ path: i.path, message: i.message })) ?? [];

	it('sends webhooks to URLs or secrets, and people’s channels to people', () => {
		expect(issues({ to: ['https://hooks.example.com/x', 'secret:slack-ops'], channel: 'webhook', preset: 'slack', subject: 's' })).toEqual([]);
		expect(issues({ to: ['role:admin', 'ops@example.com'], channel: 'in-app', subject: 's' })).toEqual([]);
		expect(issues({ to: ['https://hooks.example.com/${{ inputs.id }}', '${{ inputs.hook }}'], channel: 'webhook', subject: 's' })).toEqual([]);
		expect(issues({ to: ['role:admin'], channel: 'webhook', subject: 's' })).toEqual([{ path: ['to', 0], message: 'a webhook goes to a URL or secret:NAME, not to a person' }]);
		expect(issues({ to: ['role:admin', 'secret:hook'], subject: 's' })).toEqual([{ path: ['to', 1], message: 'a URL or secret:NAME is a webhook address: set channel: webhook (this step sends email)' }]);
		expect(issues({ to: ['https://x.example'], channel: 'webhook', preset: 'telegram', subject: 's' })[0].path).toEqual(['preset']);
		expect(issues({ to: ['hooks.slack.com/services/T0/B0/x'], channel: 'webhook', subject: 's' })).toEqual([{ path: ['to', 0], message: 'must be an http:// or https:// URL, or secret:NAME (a webhook address)' }]);
		expect(issues({ to: ['nobody'], subject: 's' })).toEqual([{ path: ['to', 0], message: 'must be role:NAME, user:USERNAME or an email address' }]);
	});

	it('lets http.check name a timeout and the hosts a redirect may reach', () => {
		expect(httpCheckWith.safeParse({ url: 'https://crm.example.com/healthz', timeout: '5s', allowRedirectTo: ['login.example.com', 'status.example.com:8443'] }).success).toBe(true);
		expect(httpCheckWith.safeParse({ url: 'https://crm.example.com/healthz', allowRedirectTo: ['https://login.example.com/'] }).success).toBe(false);
	});
});
