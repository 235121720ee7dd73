import { z } from 'zod';
import { operation } from '$lib/server/contract/operation.ts';
import { RUN_STARTERS } from '$lib/roles.ts';
import { runParams } from '../contract.ts';

export const POST = operation({
	summary: 'Resume a failed run from its failed step (finished steps are not repeated)',
	access: RUN_STARTERS,
	params: runParams,
	temporal: true,
	responses: {
		202: { description: 'Resuming', schema: z.looseObject({ id: z.string(), resumes: z.int(), status: z.literal('pending') }) },
		404: 'No such run.',
		409: 'Only a failed run whose workflow has ended can be resumed.'
	}
});
