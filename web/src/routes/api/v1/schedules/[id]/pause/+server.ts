import { json } from '@sveltejs/kit';
import { z } from 'zod';
import { apiUser, parseJsonBody, problem } from '$lib/server/api.ts';
import { SCHEDULE_MANAGERS } from '$lib/roles.ts';
import { ScheduleMissingError, setSchedulePaused } from '$lib/server/schedules.ts';
import type { RequestHandler } from './$types';

const bodySchema = z.strictObject({ paused: z.boolean(), note: z.string().trim().max(500).optional() });

/** `{paused: true}` pauses, `{paused: false}` resumes; answers with the schedule as it now stands. */
export const POST: RequestHandler = async ({ locals, params, request }) => {
	const caller = apiUser(locals, ...SCHEDULE_MANAGERS);
	if (caller instanceof Response) return caller;
	const body = await parseJsonBody(request, bodySchema);
	if (body instanceof Response) return body;
	try {
		return json(await setSchedulePaused(params.id, body.paused, body.note || undefined, caller));
	} catch (error) {
		if (error instanceof ScheduleMissingError) return problem(404, 'Not Found', `No schedule "${params.id}".`);
		throw error;
	}
};
