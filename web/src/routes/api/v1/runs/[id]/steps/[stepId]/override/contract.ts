import { z } from 'zod';
import { statement } from '$lib/server/contract/fields.ts';
import { stepUpdateOperation } from '$lib/server/contract/step-update.ts';

export const POST = stepUpdateOperation(
	'Let a step held by a change freeze run (an approver other than the initiator)',
	z.object({ reason: statement(2000, 'say why the freeze may be broken') }),
	z.looseObject({ stepId: z.string() }).meta({ description: 'Overridden' })
);
