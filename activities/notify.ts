import { z } from 'zod';
import { WEBHOOK_PRESETS } from '../runbooks/step-schemas.ts';
import { parseStepParams } from './failures.ts';
import { notifyByEmail } from './notify-email.ts';
import { notifyInApp } from './notify-in-app.ts';
import { notifyByWebhook } from './notify-webhook.ts';
import type { ActivityDeps, StepContext } from './step-context.ts';

/** `with` once expressions are resolved; each channel checks that `to` names what it can reach. */
export const notifyParams = z.object({
	to: z.array(z.string().min(1)).min(1),
	channel: z.enum(['email', 'webhook', 'in-app']).default('email'),
	preset: z.enum(WEBHOOK_PRESETS).default('generic'),
	subject: z.string().min(1),
	body: z.string().default('')
});

export type NotifyParams = z.infer<typeof notifyParams>;

export interface NotifyOutputs extends Record<string, unknown> {
	delivered: number;
	/** Email addresses, `user:NAME` for in-app, or webhooks as `secret:NAME` / their origin. */
	recipients: string[];
}

/** Email (SMTP), webhooks and in-app notices, each delivered once per run and step under retry. */
export async function notify(deps: ActivityDeps, ctx: StepContext, raw: unknown): Promise<NotifyOutputs> {
	const params = parseStepParams('notify', notifyParams, raw);
	switch (params.channel) {
		case 'email':
			return notifyByEmail(deps, ctx, params);
		case 'webhook':
			return notifyByWebhook(deps, ctx, params);
		case 'in-app':
			return notifyInApp(deps, ctx, params);
	}
}
