import { route } from '$lib/server/contract/route.ts';
import { RunbookNotFoundError, RunInputError, TemporalUnavailableError } from '$lib/server/runs.ts';
import { ScheduleMissingError, triggerSchedule } from '$lib/server/schedules.ts';
import * as contract from './contract.ts';

/**
 * Runs the schedule's runbook now (paused or not), with the caller as the run's initiator: 202
 * with the run's id; the run shows in the schedule's recentRuns too.
 */
export const POST = route(contract.POST, async ({ caller, params, json, problem }) => {
	try {
		const { runId } = await triggerSchedule(params.id, caller);
		return json(202, { id: params.id, triggered: true, runId }, { location: `/api/v1/runs/${runId}` });
	} catch (error) {
		if (error instanceof ScheduleMissingError) return problem(404, `No schedule "${params.id}".`);
		if (error instanceof RunbookNotFoundError) return problem(409, `The schedule's runbook cannot start: ${error.message}.`);
		if (error instanceof RunInputError) return problem(409, `The schedule's inputs no longer fit its runbook: ${error.message}.`);
		if (error instanceof TemporalUnavailableError) return problem(503, 'Temporal cannot be reached, so the run was not started. Try again in a moment.', undefined, { 'retry-after': '5' });
		throw error;
	}
});
