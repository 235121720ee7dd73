import { z } from 'zod';
import { note } from '$lib/server/contract/fields.ts';
import { operation } from '$lib/server/contract/operation.ts';
import { RUN_CANCELLERS } from '$lib/roles.ts';
import { runParams } from '../contract.ts';

export const POST = operation({
	summary: 'Cancel a run (compensates with rollback)',
	access: RUN_CANCELLERS,
	params: runParams,
	body: { json: z.object({ reason: note().optional() }), optional: true },
	temporal: true,
	responses: {
		202: { description: 'Cancelling: the workflow stops (and compensates, with `rollback`)', schema: z.object({ id: z.string(), status: z.literal('cancelling') }) },
		404: 'No such run.',
		409: 'The run has already ended.'
	}
});
