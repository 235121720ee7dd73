import { json } from '@sveltejs/kit';
import { z } from 'zod';
import { apiUser, parseJsonBody, problem, statusTitle } from '$lib/server/api.ts';
import { decide, DecisionRefusedError } from '$lib/server/approvals.ts';
import { isRunId } from '$lib/server/views/runs.ts';
import type { RequestHandler } from './$types';

const bodySchema = z.object({
	decision: z.enum(['approve', 'reject']),
	comment: z.string().trim().max(2000).optional()
});

/**
 * Approve or reject a waiting step. Any signed-in user may ask; whether they count (listed
 * approver, not the initiator, not twice) is decided inside the workflow and answered here.
 */
export const POST: RequestHandler = async ({ locals, params, request }) => {
	const caller = apiUser(locals);
	if (caller instanceof Response) return caller;
	if (!isRunId(params.id)) return problem(404, 'Not Found', `No run "${params.id}".`);
	const body = await parseJsonBody(request, bodySchema);
	if (body instanceof Response) return body;
	try {
		const result = await decide(params.id, params.stepId, body.decision, body.comment || undefined, { id: caller.id, username: caller.username, roles: [...caller.roles] });
		return json(result);
	} catch (error) {
		if (error instanceof DecisionRefusedError) return problem(error.status, statusTitle(error.status), `Your decision did not count: ${error.message}.`);
		throw error;
	}
};
