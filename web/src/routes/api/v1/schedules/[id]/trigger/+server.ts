import { json } from '@sveltejs/kit';
import { apiUser, problem } from '$lib/server/api.ts';
import { SCHEDULE_MANAGERS } from '$lib/roles.ts';
import { ScheduleMissingError, triggerSchedule } from '$lib/server/schedules.ts';
import type { RequestHandler } from './$types';

/** Runs the schedule's runbook now (paused or not): 202, and the run shows in the schedule's recentRuns once started. */
export const POST: RequestHandler = async ({ locals, params }) => {
	const caller = apiUser(locals, ...SCHEDULE_MANAGERS);
	if (caller instanceof Response) return caller;
	try {
		await triggerSchedule(params.id, caller);
	} catch (error) {
		if (error instanceof ScheduleMissingError) return problem(404, 'Not Found', `No schedule "${params.id}".`);
		throw error;
	}
	return json({ id: params.id, triggered: true }, { status: 202 });
};
