import { and, eq } from 'drizzle-orm';
import nodemailer from 'nodemailer';
import { runEvents } from '../db/schema/index.ts';
import { nonRetryable } from './failures.ts';
import { bodyOrDefault, runUrl, withRunLink } from './notify-message.ts';
import type { NotifyOutputs, NotifyParams } from './notify.ts';
import { resolveRecipients } from './recipients.ts';
import type { ActivityDeps, StepContext } from './step-context.ts';

/** The delivery record doubles as the event-log line people read, and a retry reads the recipients back from it. */
const DELIVERED_PREFIX = 'mail delivered to ';

/**
 * Sends once per run and step: a delivery is recorded in run_events under a fixed key, and a retry
 * that finds it returns without sending. A crash between the send and that record resends with
 * the same Message-ID, which mail clients and the outbox treat as the same message.
 */
export async function notifyByEmail(deps: ActivityDeps, ctx: StepContext, params: NotifyParams): Promise<NotifyOutputs> {
	const deliveryKey = `notify-delivered:${ctx.runId}:${ctx.stepId}`;
	const [previous] = await deps.db.select({ message: runEvents.message }).from(runEvents).where(and(eq(runEvents.key, deliveryKey), eq(runEvents.status, 'delivered')));
	if (previous?.message) {
		const recipients = previous.message.slice(DELIVERED_PREFIX.length).split(', ');
		return { delivered: recipients.length, recipients };
	}

	const { people, addresses } = await resolveRecipients(deps.db, params.to);
	const recipients = [...new Set([...people.map((p) => p.email.toLowerCase()), ...addresses])].sort();
	if (recipients.length === 0) throw nonRetryable('InvalidStepParams', `notify: nobody to send to (${params.to.join(', ')} matched no one with an email address)`);
	const text = withRunLink(await bodyOrDefault(deps, ctx, params.body), runUrl(deps, ctx.runId));
	const transport = nodemailer.createTransport(deps.config.SMTP_URL);
	try {
		await transport.sendMail({
			from: deps.config.MAIL_FROM,
			to: recipients,
			subject: params.subject,
			text,
			messageId: `<${ctx.runId}.${ctx.stepId}@tend>`
		});
	} finally {
		transport.close();
	}
	await deps.db.insert(runEvents).values({ runId: ctx.runId, stepId: ctx.stepId, key: deliveryKey, status: 'delivered', message: `${DELIVERED_PREFIX}${recipients.join(', ')}` }).onConflictDoNothing();
	return { delivered: recipients.length, recipients };
}
