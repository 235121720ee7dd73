import { z } from 'zod';
import { operation } from '$lib/server/contract/operation.ts';
import { DRILL_RUNNERS } from '$lib/roles.ts';
import { drillParams } from '../contract.ts';

export const POST = operation({
	summary: 'Start a drill run of the drill’s latest version',
	description: 'The drill makes a scratch copy of the target’s database, injects its fault there and pages its responders; the live database is never touched.',
	access: DRILL_RUNNERS,
	params: drillParams,
	body: { json: z.strictObject({}), optional: true },
	temporal: true,
	responses: {
		201: { description: 'Started', schema: z.looseObject({ id: z.uuid() }), headers: { Location: 'The drill run’s URL' } },
		404: 'No such drill.'
	}
});
