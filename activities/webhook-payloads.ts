import type { WebhookPreset } from '../runbooks/step-schemas.ts';

/**
 * What a webhook `notify` posts, shaped for the receiver (pure, so each shape is unit-tested).
 * Chat services each want their own JSON; the generic shape is for scripts and automation.
 */
export interface WebhookMessage {
	subject: string;
	body: string;
	runId: string;
	stepId: string;
	/** The run's page, when the public URL is configured. */
	runUrl?: string;
}

/** Subject, body and link as plain text, for the chat services that take only text. */
export function plainText(message: WebhookMessage): string {
	return [message.subject, message.body.trim(), message.runUrl ? `Run: ${message.runUrl}` : ''].filter(Boolean).join('\n\n');
}

/** Slack's mrkdwn treats these three as markup. */
const slackEscape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Slack caps a header at 150 characters and a section at 3000. */
const clip = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

function slack(message: WebhookMessage) {
	const body = message.body.trim();
	const link = message.runUrl ? `<${message.runUrl}|Open the run>` : '';
	return {
		// Shown in notifications and by clients without blocks.
		text: [`*${slackEscape(message.subject)}*`, slackEscape(body), link].filter(Boolean).join('\n'),
		blocks: [
			{ type: 'header', text: { type: 'plain_text', text: clip(message.subject, 150) } },
			...(body ? [{ type: 'section', text: { type: 'mrkdwn', text: clip(slackEscape(body), 3000) } }] : []),
			...(link ? [{ type: 'context', elements: [{ type: 'mrkdwn', text: link }] }] : [])
		]
	};
}

/** An Adaptive Card in the message envelope Teams workflow webhooks take (the older connectors are retired). */
function teams(message: WebhookMessage) {
	const body = message.body.trim();
	return {
		type: 'message',
		attachments: [
			{
				contentType: 'application/vnd.microsoft.card.adaptive',
				content: {
					$schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
					type: 'AdaptiveCard',
					version: '1.4',
					body: [{ type: 'TextBlock', text: message.subject, weight: 'Bolder', size: 'Medium', wrap: true }, ...(body ? [{ type: 'TextBlock', text: body, wrap: true }] : [])],
					...(message.runUrl ? { actions: [{ type: 'Action.OpenUrl', title: 'Open the run', url: message.runUrl }] } : {})
				}
			}
		]
	};
}

export function webhookPayload(preset: WebhookPreset, message: WebhookMessage): Record<string, unknown> {
	switch (preset) {
		case 'generic':
			return { subject: message.subject, body: message.body, run: message.runId, step: message.stepId, ...(message.runUrl ? { url: message.runUrl } : {}) };
		case 'slack':
			return slack(message);
		case 'teams':
			return teams(message);
		case 'dingtalk':
			return { msgtype: 'text', text: { content: plainText(message) } };
		case 'feishu':
			return { msg_type: 'text', content: { text: plainText(message) } };
		case 'wecom':
			return { msgtype: 'text', text: { content: plainText(message) } };
	}
}

/**
 * DingTalk, Feishu and WeCom answer 200 even when they drop the message (a wrong keyword or
 * signature, a rate limit), with an error code in the body: that is a failed delivery too.
 * Returns why the receiver refused, or undefined when it took the message.
 */
export function webhookRefusal(preset: WebhookPreset, body: string): string | undefined {
	if (preset !== 'dingtalk' && preset !== 'feishu' && preset !== 'wecom') return undefined;
	let answer: { errcode?: unknown; errmsg?: unknown; code?: unknown; msg?: unknown; StatusCode?: unknown; StatusMessage?: unknown };
	try {
		answer = JSON.parse(body) as typeof answer;
	} catch {
		return undefined;
	}
	if (typeof answer !== 'object' || answer === null) return undefined;
	const code = preset === 'feishu' ? (answer.code ?? answer.StatusCode) : answer.errcode;
	if (code === undefined || code === 0) return undefined;
	const text = preset === 'feishu' ? (answer.msg ?? answer.StatusMessage) : answer.errmsg;
	return `error ${String(code)}${text ? `: ${String(text)}` : ''}`;
}
