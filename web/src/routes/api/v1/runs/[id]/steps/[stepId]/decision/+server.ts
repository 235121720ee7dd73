import { decide } from '$lib/server/approvals.ts';
import { assertFreshSecondFactor, StepUpRequiredError } from '$lib/server/step-up.ts';
import { stepUpdateRoute } from '$lib/server/step-update-route.ts';
import * as contract from './contract.ts';

/**
 * Approve or reject a waiting step; eligibility, four eyes and quorum are the workflow's to decide.
 * Approving before a high-risk step may first need a fresh second factor (step-up.ts).
 */
export const POST = stepUpdateRoute(contract.POST, (runId, stepId, body, actor) => decide(runId, stepId, body.decision, body.comment || undefined, actor), 'Your decision did not count', async ({ event, params, body, problem }) => {
	try {
		await assertFreshSecondFactor(event.locals, params.id, params.stepId, body.decision);
	} catch (error) {
		if (error instanceof StepUpRequiredError) return problem(403, `Your decision did not count: ${error.message}.`, undefined, undefined, { stepUpRequired: true });
		throw error;
	}
});
