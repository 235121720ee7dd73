import { json } from '@sveltejs/kit';
import { z } from 'zod';
import { apiUser, parseJsonBody, problem } from '$lib/server/api.ts';
import { emergencyStopStatus, EmergencyStopStateError, liftEmergencyStop, startEmergencyStop } from '$lib/server/run-controls.ts';
import type { RequestHandler } from './$types';

/** Whether an emergency stop is in force, and the last ten: everyone signed in may know. */
export const GET: RequestHandler = async ({ locals }) => {
	const caller = apiUser(locals);
	if (caller instanceof Response) return caller;
	return json(await emergencyStopStatus());
};

const startSchema = z.object({ reason: z.string().trim().min(1, 'say why everything risky must stop').max(2000) });

/** Admin only: pauses every risky step in every run until lifted. */
export const POST: RequestHandler = async ({ locals, request }) => {
	const caller = apiUser(locals, 'admin');
	if (caller instanceof Response) return caller;
	const body = await parseJsonBody(request, startSchema);
	if (body instanceof Response) return body;
	try {
		return json(await startEmergencyStop(caller, body.reason), { status: 201 });
	} catch (error) {
		if (error instanceof EmergencyStopStateError) return problem(409, 'Conflict', `${error.message}.`);
		throw error;
	}
};

const liftSchema = z.object({ note: z.string().trim().max(2000).optional() });

/** Admin only: lifts the stop; held steps go on (within their windows). */
export const DELETE: RequestHandler = async ({ locals, request }) => {
	const caller = apiUser(locals, 'admin');
	if (caller instanceof Response) return caller;
	const hasBody = Number(request.headers.get('content-length') ?? 0) > 0;
	const body = hasBody ? await parseJsonBody(request, liftSchema) : {};
	if (body instanceof Response) return body;
	try {
		return json(await liftEmergencyStop(caller, body.note || undefined));
	} catch (error) {
		if (error instanceof EmergencyStopStateError) return problem(409, 'Conflict', `${error.message}.`);
		throw error;
	}
};
