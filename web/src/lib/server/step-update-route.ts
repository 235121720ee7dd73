import type { RequestHandler } from '@sveltejs/kit';
import type { z } from 'zod';
import type { Actor } from '$workflows/definitions.ts';
import { DecisionRefusedError } from './approvals.ts';
import { route } from './contract/route.ts';
import type { stepUpdateOperation } from './contract/step-update.ts';

/** The handler of a step update declared with stepUpdateOperation: the workflow's refusal becomes its status, with `refused` before the reason. */

export function stepUpdateRoute<S extends z.ZodType>(
	declared: ReturnType<typeof stepUpdateOperation<S>>,
	send: (runId: string, stepId: string, body: z.output<S>, actor: Actor) => Promise<unknown>,
	refused: string
): RequestHandler {
	return route(declared, async ({ caller, params, body, json, problem }) => {
		try {
			return json(200, await send(params.id, params.stepId, body, { id: caller.id, username: caller.username, roles: [...caller.roles] }));
		} catch (error) {
			if (error instanceof DecisionRefusedError) return problem(error.status as 400 | 403 | 404 | 409 | 503, `${refused}: ${error.message}.`);
			throw error;
		}
	});
}
