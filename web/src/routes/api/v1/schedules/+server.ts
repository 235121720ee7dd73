import { route } from '$lib/server/contract/route.ts';
import { createSchedule, listSchedules, ScheduleInputError } from '$lib/server/schedules.ts';
import * as contract from './contract.ts';

export const GET = route(contract.GET, async ({ json }) => json(200, { schedules: await listSchedules() }, { 'cache-control': 'no-store' }));

/** A recurring run of a runbook's latest version, started as the caller; inputs are checked against that version now. */
export const POST = route(contract.POST, async ({ caller, body, json, problem }) => {
	try {
		const schedule = await createSchedule(body, caller);
		return json(201, schedule, { location: `/api/v1/schedules/${schedule.id}` });
	} catch (error) {
		if (error instanceof ScheduleInputError) return problem(422, 'The schedule is not valid; nothing was created.', error.errors);
		throw error;
	}
});
