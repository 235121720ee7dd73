import { z } from 'zod';
import { note } from '$lib/server/contract/fields.ts';
import { stepUpdateOperation } from '$lib/server/contract/step-update.ts';

export const POST = stepUpdateOperation(
	'Approve or reject a waiting step',
	z.object({ decision: z.enum(['approve', 'reject']), comment: note().optional() }),
	z.looseObject({ approvals: z.int(), quorum: z.int() }).meta({ description: 'Counted: where the approval stands' })
);
