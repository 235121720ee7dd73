import { z } from 'zod';
import { problem } from '$lib/server/api.ts';
import { decide } from '$lib/server/approvals.ts';
import { assertFreshSecondFactor, StepUpRequiredError } from '$lib/server/step-up.ts';
import { stepUpdateRoute } from '$lib/server/step-update-route.ts';
import type { RequestHandler } from './$types';

const bodySchema = z.object({
	decision: z.enum(['approve', 'reject']),
	comment: z.string().trim().max(2000).optional()
});

const route = stepUpdateRoute(bodySchema, (runId, stepId, body, actor) => decide(runId, stepId, body.decision, body.comment || undefined, actor), 'Your decision did not count');

/**
 * Approve or reject a waiting step; eligibility, four eyes and quorum are the workflow's to decide.
 * Approving before a high-risk step may first need a fresh second factor (step-up.ts).
 */
export const POST: RequestHandler = async (event) => {
	const decision = (await event.request
		.clone()
		.json()
		.catch(() => null)) as { decision?: unknown } | null;
	if (decision?.decision === 'approve') {
		try {
			await assertFreshSecondFactor(event.locals, event.params.id, event.params.stepId, 'approve');
		} catch (error) {
			if (error instanceof StepUpRequiredError) return problem(403, 'Forbidden', `Your decision did not count: ${error.message}.`, undefined, undefined, { stepUpRequired: true });
			throw error;
		}
	}
	return route(event);
};
