import { z } from 'zod';
import { operation } from '$lib/server/contract/operation.ts';
import { SCHEDULE_MANAGERS } from '$lib/roles.ts';
import { scheduleParams } from '../contract.ts';

export const POST = operation({
	summary: 'Run now',
	description: 'Runs the schedule’s runbook now (paused or not); the run shows in the schedule’s recentRuns once started.',
	access: SCHEDULE_MANAGERS,
	params: scheduleParams,
	temporal: true,
	responses: { 202: { description: 'Triggered', schema: z.object({ id: z.string(), triggered: z.literal(true) }) }, 404: 'No such schedule.' }
});
