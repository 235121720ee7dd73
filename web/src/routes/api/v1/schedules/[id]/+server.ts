import { route } from '$lib/server/contract/route.ts';
import { deleteSchedule, getSchedule, ScheduleMissingError } from '$lib/server/schedules.ts';
import * as contract from './contract.ts';

export const GET = route(contract.GET, async ({ params, json, problem }) => {
	try {
		return json(200, await getSchedule(params.id), { 'cache-control': 'no-store' });
	} catch (error) {
		if (error instanceof ScheduleMissingError) return problem(404, `No schedule "${params.id}".`);
		throw error;
	}
});

/** Deletes the schedule; the runs it started stay. */
export const DELETE = route(contract.DELETE, async ({ caller, params, send, problem }) => {
	try {
		await deleteSchedule(params.id, caller);
	} catch (error) {
		if (error instanceof ScheduleMissingError) return problem(404, `No schedule "${params.id}".`);
		throw error;
	}
	return send(204);
});
