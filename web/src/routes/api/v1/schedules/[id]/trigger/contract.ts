import { z } from 'zod';
import { operation } from '$lib/server/contract/operation.ts';
import { SCHEDULE_MANAGERS } from '$lib/roles.ts';
import { scheduleParams } from '../contract.ts';

export const POST = operation({
	summary: 'Run now',
	description: 'Runs the schedule’s runbook now (paused or not), with the caller as the run’s initiator; the run shows in the schedule’s recentRuns too.',
	access: SCHEDULE_MANAGERS,
	params: scheduleParams,
	temporal: true,
	responses: {
		202: { description: 'Started', schema: z.object({ id: z.string(), triggered: z.literal(true), runId: z.uuid() }), headers: { Location: 'The run’s URL' } },
		404: 'No such schedule.',
		409: 'The schedule’s runbook is gone, or its inputs no longer fit the runbook.'
	}
});
