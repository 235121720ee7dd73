import { json, type RequestHandler } from '@sveltejs/kit';
import type { z } from 'zod';
import type { Actor } from '../../../../workflows/definitions.ts';
import { apiUser, parseJsonBody, problem, statusTitle } from './api.ts';
import { DecisionRefusedError } from './approvals.ts';
import { isRunId } from './views/runs.ts';

/**
 * A person acting on one step of a run (decide, tick a checklist, override a freeze): any
 * signed-in user may ask; whether it counts is the workflow's Update validator's call, answered
 * with its reason after `refused` ("Your decision did not count: …").
 */
export function stepUpdateRoute<S extends z.ZodType>(
	schema: S,
	send: (runId: string, stepId: string, body: z.output<S>, actor: Actor) => Promise<unknown>,
	refused: string
): RequestHandler<{ id: string; stepId: string }> {
	return async ({ locals, params, request }) => {
		const caller = apiUser(locals);
		if (caller instanceof Response) return caller;
		if (!isRunId(params.id)) return problem(404, 'Not Found', `No run "${params.id}".`);
		const body = await parseJsonBody(request, schema);
		if (body instanceof Response) return body;
		try {
			return json(await send(params.id, params.stepId, body, { id: caller.id, username: caller.username, roles: [...caller.roles] }));
		} catch (error) {
			if (error instanceof DecisionRefusedError) return problem(error.status, statusTitle(error.status), `${refused}: ${error.message}.`);
			throw error;
		}
	};
}
