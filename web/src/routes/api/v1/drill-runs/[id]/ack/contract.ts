import { z } from 'zod';
import { operation } from '$lib/server/contract/operation.ts';
import { DRILL_RUNNERS } from '$lib/roles.ts';
import { drillRunParams } from '../contract.ts';

export const POST = operation({
	summary: 'Acknowledge a drill (“I’m on it”): stops the escalation',
	access: DRILL_RUNNERS,
	params: drillRunParams,
	body: { json: z.strictObject({}), optional: true },
	temporal: true,
	responses: {
		200: { description: 'Acknowledged', schema: z.looseObject({ acknowledgedAt: z.string() }) },
		403: 'The caller is not a responder of this drill.',
		404: 'No such drill run.',
		409: 'Already acknowledged, not waiting for an acknowledgement, or ended.'
	}
});
