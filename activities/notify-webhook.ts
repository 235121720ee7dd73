import { ApplicationFailure, Context } from '@temporalio/activity';
import { eq } from 'drizzle-orm';
import { createHash } from 'node:crypto';
import { runEvents } from '../db/schema/index.ts';
import { nonRetryable } from './failures.ts';
import { bodyExcerpt, httpCall } from './http-fetch.ts';
import { bodyOrDefault, runUrl } from './notify-message.ts';
import type { NotifyOutputs, NotifyParams } from './notify.ts';
import { isSecretRef, stepSecret } from './secret-refs.ts';
import type { ActivityDeps, StepContext } from './step-context.ts';
import { stepAddressPolicy } from './targets.ts';
import { webhookPayload, webhookRefusal } from './webhook-payloads.ts';

const TIMEOUT_MS = 15_000;
const ANSWER_BYTES = 16 * 1024;

/**
 * How a webhook appears in outputs, events and messages. A chat webhook's URL is its credential
 * (the token sits in the path), so a literal one is shown by its origin only.
 */
function shownAs(entry: string): string {
	return isSecretRef(entry) ? entry : `${new URL(entry).origin}/…`;
}

/** Per run, step and webhook: a retry skips the webhooks that already took the message. */
const deliveryKey = (ctx: StepContext, entry: string) => `notify-webhook:${ctx.runId}:${ctx.stepId}:${createHash('sha256').update(entry).digest('hex').slice(0, 24)}`;

/**
 * Posts the message to each webhook, shaped by the preset, and records each delivery before the
 * next. A webhook that fails (a non-2xx answer, or a chat service's error code) fails the step
 * retryably once the others were tried; the retry posts only to those not yet recorded. A crash
 * between a post and its record posts that one again: receivers that honour Idempotency-Key drop it.
 */
export async function notifyByWebhook(deps: ActivityDeps, ctx: StepContext, params: NotifyParams): Promise<NotifyOutputs> {
	const entries = [...new Set(params.to)];
	for (const entry of entries) {
		if (!isSecretRef(entry) && !/^https?:\/\//i.test(entry)) throw nonRetryable('InvalidStepParams', `notify: "${entry}" is not a webhook address; a webhook goes to an http(s) URL or secret:NAME`);
	}
	const payload = JSON.stringify(webhookPayload(params.preset, { subject: params.subject, body: await bodyOrDefault(deps, ctx, params.body), runId: ctx.runId, stepId: ctx.stepId, runUrl: runUrl(deps, ctx.runId) }));
	const signal = Context.current().cancellationSignal;
	const failures: Array<{ message: string; permanent: boolean }> = [];
	const policy = await stepAddressPolicy(deps, ctx.target);

	for (const entry of entries) {
		const key = deliveryKey(ctx, entry);
		const [done] = await deps.db.select({ key: runEvents.key }).from(runEvents).where(eq(runEvents.key, key));
		if (done) continue;
		const url = isSecretRef(entry) ? await stepSecret(deps, entry) : entry;
		if (!URL.canParse(url) || !/^https?:$/.test(new URL(url).protocol)) throw nonRetryable('InvalidStepParams', `notify: ${entry} does not hold an http(s) URL`);
		const shown = shownAs(isSecretRef(entry) ? entry : url);
		try {
			const answer = await httpCall({
				uses: 'notify',
				url,
				method: 'POST',
				headers: { 'content-type': 'application/json', 'user-agent': 'tend-notify', 'idempotency-key': key },
				body: payload,
				timeoutMs: TIMEOUT_MS,
				allowRedirectTo: [],
				maxBodyBytes: ANSWER_BYTES,
				shownAs: shown,
				signal,
				policy
			});
			const ok = answer.status >= 200 && answer.status < 300;
			const refusal = ok ? webhookRefusal(params.preset, answer.body) : undefined;
			if (!ok || refusal) {
				failures.push({ message: `${shown} ${ok ? `refused the message (${refusal})` : `answered ${answer.status}${answer.body ? `: ${bodyExcerpt(answer.body)}` : ''}`}`, permanent: false });
				continue;
			}
		} catch (error) {
			if (signal.aborted || !(error instanceof ApplicationFailure)) throw error;
			failures.push({ message: error.message.replace(/^notify: /, ''), permanent: error.nonRetryable === true });
			continue;
		}
		await deps.db.insert(runEvents).values({ runId: ctx.runId, stepId: ctx.stepId, key, status: 'delivered', message: `webhook delivered to ${shown}` }).onConflictDoNothing();
	}

	if (failures.length) {
		const delivered = entries.length - failures.length;
		const message = `notify: ${failures.map((f) => f.message).join('; ')}${delivered ? ` (${delivered} other webhook${delivered === 1 ? '' : 's'} took the message and will not get it again)` : ''}`;
		const permanent = failures.every((f) => f.permanent);
		throw permanent ? nonRetryable('WebhookRefused', message) : ApplicationFailure.create({ type: 'WebhookDeliveryFailed', message });
	}
	return { delivered: entries.length, recipients: entries.map(shownAs) };
}
