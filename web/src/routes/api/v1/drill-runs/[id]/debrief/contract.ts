import { z } from 'zod';
import { note, text } from '$lib/server/contract/fields.ts';
import { operation } from '$lib/server/contract/operation.ts';
import { drillRunSchema } from '$lib/server/contract/schemas.ts';
import { DRILL_RUNNERS } from '$lib/roles.ts';
import { drillRunParams } from '../contract.ts';

export const debriefBody = z.strictObject({
	wentWell: note(4000).default(''),
	wentBadly: note(4000).default(''),
	actionItems: z
		.array(z.strictObject({ title: text(200, 'name the action'), owner: text(100, 'name who owns it'), due: z.iso.date(), done: z.boolean().default(false) }))
		.max(50)
		.default([])
});

export const POST = operation({
	summary: 'Write (or replace) a finished drill’s debrief: what went well, what did not, action items',
	access: DRILL_RUNNERS,
	params: drillRunParams,
	body: { json: debriefBody },
	responses: { 200: { description: 'Saved', schema: drillRunSchema }, 404: 'No such drill run.', 409: 'The drill has not ended yet.' }
});
