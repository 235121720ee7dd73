import { route } from '$lib/server/contract/route.ts';
import { ScheduleMissingError, triggerSchedule } from '$lib/server/schedules.ts';
import * as contract from './contract.ts';

/** Runs the schedule's runbook now (paused or not): 202, and the run shows in the schedule's recentRuns once started. */
export const POST = route(contract.POST, async ({ caller, params, json, problem }) => {
	try {
		await triggerSchedule(params.id, caller);
	} catch (error) {
		if (error instanceof ScheduleMissingError) return problem(404, `No schedule "${params.id}".`);
		throw error;
	}
	return json(202, { id: params.id, triggered: true });
});
