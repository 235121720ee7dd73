import { notifications } from '../db/schema/index.ts';
import { nonRetryable } from './failures.ts';
import { bodyOrDefault } from './notify-message.ts';
import type { NotifyOutputs, NotifyParams } from './notify.ts';
import { peopleWithAddresses, resolveRecipients } from './recipients.ts';
import type { ActivityDeps, StepContext } from './step-context.ts';

/**
 * One notification per person, shown under the bell with a link to the run. The row's key is
 * run + step + user, so a retry inserts nothing twice (and adds whoever joined a role since).
 */
export async function notifyInApp(deps: ActivityDeps, ctx: StepContext, params: NotifyParams): Promise<NotifyOutputs> {
	const { people, addresses } = await resolveRecipients(deps.db, params.to);
	const everyone = new Map([...people, ...(await peopleWithAddresses(deps.db, addresses))].map((p) => [p.id, p]));
	if (everyone.size === 0) throw nonRetryable('InvalidStepParams', `notify: nobody to notify (${params.to.join(', ')} matched no user)`);
	const body = await bodyOrDefault(deps, ctx, params.body);
	await deps.db
		.insert(notifications)
		.values([...everyone.values()].map((person) => ({ userId: person.id, key: `${ctx.runId}:${ctx.stepId}:${person.id}`, title: params.subject, body, link: `/runs/${ctx.runId}`, runId: ctx.runId })))
		.onConflictDoNothing({ target: notifications.key });
	const recipients = [...everyone.values()].map((p) => `user:${p.username}`).sort();
	return { delivered: recipients.length, recipients };
}
