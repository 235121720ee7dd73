import { z } from 'zod';
import { note } from '$lib/server/contract/fields.ts';
import { operation } from '$lib/server/contract/operation.ts';
import { scheduleSchema } from '$lib/server/contract/schemas.ts';
import { SCHEDULE_MANAGERS } from '$lib/roles.ts';
import { scheduleParams } from '../contract.ts';

export const POST = operation({
	summary: 'Pause or resume',
	description: '`{paused: true}` pauses, `{paused: false}` resumes; answers with the schedule as it now stands.',
	access: SCHEDULE_MANAGERS,
	params: scheduleParams,
	body: { json: z.strictObject({ paused: z.boolean(), note: note(500).optional() }) },
	temporal: true,
	responses: { 200: { description: 'Schedule', schema: scheduleSchema }, 404: 'No such schedule.' }
});
