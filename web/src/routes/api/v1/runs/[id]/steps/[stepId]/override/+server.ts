import { json } from '@sveltejs/kit';
import { z } from 'zod';
import { apiUser, parseJsonBody, problem, statusTitle } from '$lib/server/api.ts';
import { DecisionRefusedError } from '$lib/server/approvals.ts';
import { overrideFreeze } from '$lib/server/run-controls.ts';
import { isRunId } from '$lib/server/views/runs.ts';
import type { RequestHandler } from './$types';

const bodySchema = z.object({ reason: z.string().trim().min(1, 'say why the freeze may be broken').max(2000) });

/** Lets a step held by a change freeze run. Only an approver other than the initiator counts (checked in the workflow). */
export const POST: RequestHandler = async ({ locals, params, request }) => {
	const caller = apiUser(locals);
	if (caller instanceof Response) return caller;
	if (!isRunId(params.id)) return problem(404, 'Not Found', `No run "${params.id}".`);
	const body = await parseJsonBody(request, bodySchema);
	if (body instanceof Response) return body;
	try {
		return json(await overrideFreeze(params.id, params.stepId, body.reason, { id: caller.id, username: caller.username, roles: [...caller.roles] }));
	} catch (error) {
		if (error instanceof DecisionRefusedError) return problem(error.status, statusTitle(error.status), `The freeze still holds: ${error.message}.`);
		throw error;
	}
};
