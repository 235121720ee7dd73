import { z } from 'zod';
import { operation } from '$lib/server/contract/operation.ts';
import { scheduleSchema } from '$lib/server/contract/schemas.ts';
import { RUNBOOK_READERS, SCHEDULE_MANAGERS } from '$lib/roles.ts';
import { SCHEDULE_ID_PREFIX } from '$shared/schedule-spec.ts';

/** Tend's schedule ids (`sched-<runbook>-<hex>`, the built-in ones `sched-builtin-<runbook>`). */
export const scheduleParams = z.object({ id: z.string().regex(new RegExp(`^${SCHEDULE_ID_PREFIX}[a-z0-9-]{1,200}$`), 'must be a schedule id') });

export const GET = operation({
	summary: 'A schedule with its next and recent runs',
	access: RUNBOOK_READERS,
	params: scheduleParams,
	temporal: true,
	responses: { 200: { description: 'Schedule', schema: scheduleSchema }, 404: 'No such schedule.' }
});

export const DELETE = operation({
	summary: 'Delete a schedule (its runs stay)',
	access: SCHEDULE_MANAGERS,
	params: scheduleParams,
	temporal: true,
	responses: { 204: 'Deleted', 404: 'No such schedule.' }
});
