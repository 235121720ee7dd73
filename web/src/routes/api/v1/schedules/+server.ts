import { json } from '@sveltejs/kit';
import { apiUser, parseJsonBody, problem } from '$lib/server/api.ts';
import { RUNBOOK_READERS, SCHEDULE_MANAGERS } from '$lib/roles.ts';
import { newScheduleSchema } from '../../../../../../shared/schedule-spec.ts';
import { createSchedule, listSchedules, ScheduleInputError } from '$lib/server/schedules.ts';
import type { RequestHandler } from './$types';

export const GET: RequestHandler = async ({ locals }) => {
	const caller = apiUser(locals, ...RUNBOOK_READERS);
	if (caller instanceof Response) return caller;
	return json({ schedules: await listSchedules() }, { headers: { 'cache-control': 'no-store' } });
};

/** A recurring run of a runbook's latest version, started as the caller; inputs are checked against that version now. */
export const POST: RequestHandler = async ({ locals, request }) => {
	const caller = apiUser(locals, ...SCHEDULE_MANAGERS);
	if (caller instanceof Response) return caller;
	const body = await parseJsonBody(request, newScheduleSchema);
	if (body instanceof Response) return body;
	try {
		const schedule = await createSchedule(body, caller);
		return json(schedule, { status: 201, headers: { location: `/api/v1/schedules/${schedule.id}` } });
	} catch (error) {
		if (error instanceof ScheduleInputError) return problem(422, 'Unprocessable Content', 'The schedule is not valid; nothing was created.', error.errors);
		throw error;
	}
};
