import { operation } from '$lib/server/contract/operation.ts';
import { scheduleSchema } from '$lib/server/contract/schemas.ts';
import { RUNBOOK_READERS, SCHEDULE_MANAGERS } from '$lib/roles.ts';
import { z } from 'zod';
import { newScheduleSchema } from '$shared/schedule-spec.ts';

export const GET = operation({
	summary: 'Recurring runs',
	access: RUNBOOK_READERS,
	temporal: true,
	responses: { 200: { description: 'Schedules', schema: z.looseObject({ schedules: z.array(scheduleSchema) }) } }
});

export const POST = operation({
	summary: 'Schedule a runbook (cron or every), run as the caller',
	description: 'A recurring run of the runbook’s latest version, started as the caller; the inputs are checked against that version now.',
	access: SCHEDULE_MANAGERS,
	body: { json: newScheduleSchema, namesAt: ['inputs'] },
	temporal: true,
	checkedBeyondSchema: '`runbook` must name a published runbook and `inputs` fit its declared inputs; `every` must be at least 1m; Temporal must accept the cron expression.',
	responses: { 201: { description: 'Created', schema: scheduleSchema, headers: { Location: 'The schedule’s URL' } }, 422: 'The schedule is not valid; nothing was created.' }
});
