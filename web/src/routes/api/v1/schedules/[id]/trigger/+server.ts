import { json } from '@sveltejs/kit';
import { apiUser, problem } from '$lib/server/api.ts';
import { SCHEDULE_MANAGERS } from '$lib/roles.ts';
import { RunbookNotFoundError, RunInputError, TemporalUnavailableError } from '$lib/server/runs.ts';
import { ScheduleMissingError, triggerSchedule } from '$lib/server/schedules.ts';
import type { RequestHandler } from './$types';

/**
 * Runs the schedule's runbook now (paused or not), with the caller as the run's initiator: 202
 * with the run's id; the run shows in the schedule's recentRuns too.
 */
export const POST: RequestHandler = async ({ locals, params }) => {
	const caller = apiUser(locals, ...SCHEDULE_MANAGERS);
	if (caller instanceof Response) return caller;
	try {
		const { runId } = await triggerSchedule(params.id, caller);
		return json({ id: params.id, triggered: true, runId }, { status: 202, headers: { location: `/api/v1/runs/${runId}` } });
	} catch (error) {
		if (error instanceof ScheduleMissingError) return problem(404, 'Not Found', `No schedule "${params.id}".`);
		if (error instanceof RunbookNotFoundError) return problem(409, 'Conflict', `The schedule's runbook cannot start: ${error.message}.`);
		if (error instanceof RunInputError) return problem(409, 'Conflict', `The schedule's inputs no longer fit its runbook: ${error.message}.`);
		if (error instanceof TemporalUnavailableError) return problem(503, 'Service Unavailable', 'Temporal cannot be reached, so the run was not started. Try again in a moment.', undefined, { 'retry-after': '5' });
		throw error;
	}
};
