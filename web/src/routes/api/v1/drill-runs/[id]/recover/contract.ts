import { z } from 'zod';
import { operation } from '$lib/server/contract/operation.ts';
import { DRILL_RUNNERS } from '$lib/roles.ts';
import { drillRunParams } from '../contract.ts';

export const POST = operation({
	summary: 'Start the recovery of a drill whose document leaves it to the responder',
	access: DRILL_RUNNERS,
	params: drillRunParams,
	body: { json: z.strictObject({}), optional: true },
	temporal: true,
	responses: {
		200: { description: 'Recovery started', schema: z.looseObject({ recoveryRunId: z.string() }) },
		403: 'The caller is not a responder of this drill.',
		404: 'No such drill run.',
		409: 'Not waiting for its recovery to be started, or ended.'
	}
});
