import { route } from '$lib/server/contract/route.ts';
import { ScheduleMissingError, setSchedulePaused } from '$lib/server/schedules.ts';
import * as contract from './contract.ts';

/** `{paused: true}` pauses, `{paused: false}` resumes; answers with the schedule as it now stands. */
export const POST = route(contract.POST, async ({ caller, params, body, json, problem }) => {
	try {
		return json(200, await setSchedulePaused(params.id, body.paused, body.note || undefined, caller));
	} catch (error) {
		if (error instanceof ScheduleMissingError) return problem(404, `No schedule "${params.id}".`);
		throw error;
	}
});
