import { z } from 'zod';
import { note } from '$lib/server/contract/fields.ts';
import { stepUpdateOperation } from '$lib/server/contract/step-update.ts';

export const POST = stepUpdateOperation(
	'Tick off items of a manual step (assignees only)',
	z.object({
		items: z.array(z.int().min(0).max(999)).min(1, 'name at least one checklist item (its position, from 0)').max(1000),
		notes: note().optional()
	}),
	z.looseObject({ items: z.array(z.looseObject({})) }).meta({ description: 'The checklist as it stands' })
);
