import { json } from '@sveltejs/kit';
import { apiUser, problem } from '$lib/server/api.ts';
import { RUNBOOK_READERS, SCHEDULE_MANAGERS } from '$lib/roles.ts';
import { deleteSchedule, getSchedule, ScheduleMissingError } from '$lib/server/schedules.ts';
import type { RequestHandler } from './$types';

export const GET: RequestHandler = async ({ locals, params }) => {
	const caller = apiUser(locals, ...RUNBOOK_READERS);
	if (caller instanceof Response) return caller;
	try {
		return json(await getSchedule(params.id), { headers: { 'cache-control': 'no-store' } });
	} catch (error) {
		if (error instanceof ScheduleMissingError) return problem(404, 'Not Found', `No schedule "${params.id}".`);
		throw error;
	}
};

/** Deletes the schedule; the runs it started stay. */
export const DELETE: RequestHandler = async ({ locals, params }) => {
	const caller = apiUser(locals, ...SCHEDULE_MANAGERS);
	if (caller instanceof Response) return caller;
	try {
		await deleteSchedule(params.id, caller);
	} catch (error) {
		if (error instanceof ScheduleMissingError) return problem(404, 'Not Found', `No schedule "${params.id}".`);
		throw error;
	}
	return new Response(null, { status: 204 });
};
