import { and, eq, inArray } from 'drizzle-orm';
import nodemailer from 'nodemailer';
import { z } from 'zod';
import { runEvents, userRoles, users, ROLES, type Role } from '../db/schema/index.ts';
import { nonRetryable, parseStepParams } from './failures.ts';
import type { ActivityDeps, StepContext } from './step-context.ts';

const recipient = z
	.string()
	.min(1)
	.refine((v) => /^role:/.test(v) || /^user:.+/.test(v) || z.email().safeParse(v).success, 'must be role:NAME, user:USERNAME or an email address');

export const notifyParams = z.object({
	to: z.array(recipient).min(1),
	channel: z.enum(['email', 'webhook', 'in-app']).default('email'),
	subject: z.string().min(1),
	body: z.string().default('')
});

/** The delivery record doubles as the event-log line people read, and a retry reads the recipients back from it. */
const DELIVERED_PREFIX = 'mail delivered to ';

export interface NotifyOutputs extends Record<string, unknown> {
	delivered: number;
	recipients: string[];
}

/** role:X, user:Y and plain addresses → distinct email addresses; an unknown role or user is an error, not silence. */
async function resolveRecipients({ db }: ActivityDeps, to: string[]): Promise<string[]> {
	const addresses = new Set<string>();
	for (const entry of to) {
		if (entry.startsWith('role:')) {
			const role = entry.slice(5);
			if (!ROLES.includes(role as Role)) throw nonRetryable('InvalidStepParams', `notify: unknown role "${role}" in ${entry}`);
			const rows = await db
				.select({ email: users.email })
				.from(users)
				.innerJoin(userRoles, eq(userRoles.userId, users.id))
				.where(eq(userRoles.role, role as Role));
			rows.forEach((r) => addresses.add(r.email.toLowerCase()));
		} else if (entry.startsWith('user:')) {
			const [row] = await db.select({ email: users.email }).from(users).where(eq(users.username, entry.slice(5)));
			if (!row) throw nonRetryable('InvalidStepParams', `notify: no user "${entry.slice(5)}"`);
			addresses.add(row.email.toLowerCase());
		} else {
			addresses.add(entry.toLowerCase());
		}
	}
	return [...addresses].sort();
}

/**
 * Sends once per run and step: a delivery is recorded in run_events under a fixed key, and a retry
 * that finds it returns without sending. A crash between the send and that record resends with
 * the same Message-ID, which mail clients and the outbox treat as the same message.
 */
export async function notify(deps: ActivityDeps, ctx: StepContext, raw: unknown): Promise<NotifyOutputs> {
	const params = parseStepParams('notify', notifyParams, raw);
	if (params.channel !== 'email') throw nonRetryable('ChannelNotSupported', `notify: channel "${params.channel}" is not available yet; use email`);
	const deliveryKey = `notify-delivered:${ctx.runId}:${ctx.stepId}`;
	const [previous] = await deps.db.select({ message: runEvents.message }).from(runEvents).where(and(eq(runEvents.key, deliveryKey), inArray(runEvents.status, ['delivered'])));
	if (previous?.message) {
		const recipients = previous.message.slice(DELIVERED_PREFIX.length).split(', ');
		return { delivered: recipients.length, recipients };
	}

	const recipients = await resolveRecipients(deps, params.to);
	if (recipients.length === 0) throw nonRetryable('InvalidStepParams', `notify: nobody to send to (${params.to.join(', ')} matched no one with an email address)`);
	const transport = nodemailer.createTransport(deps.config.SMTP_URL);
	try {
		await transport.sendMail({
			from: deps.config.MAIL_FROM,
			to: recipients,
			subject: params.subject,
			text: params.body,
			messageId: `<${ctx.runId}.${ctx.stepId}@tend>`
		});
	} finally {
		transport.close();
	}
	const outputs: NotifyOutputs = { delivered: recipients.length, recipients };
	await deps.db.insert(runEvents).values({ runId: ctx.runId, stepId: ctx.stepId, key: deliveryKey, status: 'delivered', message: `${DELIVERED_PREFIX}${recipients.join(', ')}` }).onConflictDoNothing();
	return outputs;
}
