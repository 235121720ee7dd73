import type { RequestHandler } from '@sveltejs/kit';
import type { z } from 'zod';
import type { Actor } from '$workflows/definitions.ts';
import { DecisionRefusedError } from './approvals.ts';
import { route, type Reply, type RouteContext } from './contract/route.ts';
import type { stepUpdateOperation } from './contract/step-update.ts';

type StepUpdate<S extends z.ZodType> = ReturnType<typeof stepUpdateOperation<S>>;

/**
 * The handler of a step update declared with stepUpdateOperation: the workflow's refusal becomes its status, with `refused` before the reason.
 * `precheck` may refuse first, on what only the web app knows (a fresh second factor), before anything reaches the workflow.
 */
export function stepUpdateRoute<S extends z.ZodType>(
	declared: StepUpdate<S>,
	send: (runId: string, stepId: string, body: z.output<S>, actor: Actor) => Promise<unknown>,
	refused: string,
	precheck?: (context: RouteContext<StepUpdate<S>>) => Promise<Reply<403> | undefined>
): RequestHandler {
	return route(declared, async (context) => {
		const { caller, params, body, json, problem } = context;
		const refusal = await precheck?.(context);
		if (refusal) return refusal;
		try {
			return json(200, await send(params.id, params.stepId, body, { id: caller.id, username: caller.username, roles: [...caller.roles] }));
		} catch (error) {
			if (error instanceof DecisionRefusedError) return problem(error.status as 400 | 403 | 404 | 409 | 503, `${refused}: ${error.message}.`, undefined, undefined, error.extensions);
			throw error;
		}
	});
}
