import { json } from '@sveltejs/kit';
import { z } from 'zod';
import { apiUser, parseJsonBody, problem, statusTitle } from '$lib/server/api.ts';
import { DecisionRefusedError } from '$lib/server/approvals.ts';
import { tickChecklist } from '$lib/server/run-controls.ts';
import { isRunId } from '$lib/server/views/runs.ts';
import type { RequestHandler } from './$types';

const bodySchema = z.object({
	items: z.array(z.number().int().min(0)).min(1, 'name at least one checklist item (its position, from 0)'),
	notes: z.string().trim().max(2000).optional()
});

/** Ticks off items of a manual step's checklist. Whether the caller is an assignee is decided in the workflow. */
export const POST: RequestHandler = async ({ locals, params, request }) => {
	const caller = apiUser(locals);
	if (caller instanceof Response) return caller;
	if (!isRunId(params.id)) return problem(404, 'Not Found', `No run "${params.id}".`);
	const body = await parseJsonBody(request, bodySchema);
	if (body instanceof Response) return body;
	try {
		return json(await tickChecklist(params.id, params.stepId, body.items, body.notes || undefined, { id: caller.id, username: caller.username, roles: [...caller.roles] }));
	} catch (error) {
		if (error instanceof DecisionRefusedError) return problem(error.status, statusTitle(error.status), `Not ticked off: ${error.message}.`);
		throw error;
	}
};
