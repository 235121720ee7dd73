import { fail } from '@sveltejs/kit';
import { z } from 'zod';
import { requireUser } from '$lib/server/guard.ts';
import { approvalsFor, decide, DecisionRefusedError } from '$lib/server/approvals.ts';
import { assertFreshSecondFactor, StepUpRequiredError } from '$lib/server/step-up.ts';
import type { Actions, PageServerLoad } from './$types';

/** Any signed-in person may open the inbox: who may decide is the workflow's rule, applied to each item. */
export const load = (async ({ locals, url }) => {
	const user = requireUser(locals, url);
	const me = { id: user.id, username: user.username, roles: [...user.roles] };
	return { approvals: await approvalsFor(me), me };
}) satisfies PageServerLoad;

const decisionForm = z.object({
	runId: z.string().uuid(),
	stepId: z.string().min(1),
	decision: z.enum(['approve', 'reject']),
	comment: z.string().trim().max(2000).optional()
});

/** Answers in the run page's shape (runs/[id]/action-result.ts), so the same panel words them. */
export const actions = {
	decide: async ({ locals, request, url }) => {
		const user = requireUser(locals, url);
		const form = Object.fromEntries(await request.formData());
		const parsed = decisionForm.safeParse(form);
		if (!parsed.success) return fail(400, { key: `decide:${form.runId}/${form.stepId}`, outcome: 'decisionIncomplete', failed: true });
		const { runId, stepId, decision, comment } = parsed.data;
		const key = `decide:${runId}/${stepId}`;
		try {
			await assertFreshSecondFactor(locals, runId, stepId, decision);
			const result = await decide(runId, stepId, decision, comment || undefined, { id: user.id, username: user.username, roles: [...user.roles] });
			return { key, outcome: decision === 'approve' ? 'approved' : 'rejected', approvals: result.approvals, quorum: result.quorum };
		} catch (error) {
			if (error instanceof DecisionRefusedError) return fail(error.status, { key, outcome: 'decisionRefused', failed: true, detail: error.message });
			// A page cannot take a code beside the decision: signing in again with it gives the fresh factor.
			if (error instanceof StepUpRequiredError) return fail(403, { key, outcome: 'decisionRefused', failed: true, detail: 'approving this needs a fresh second factor: sign out and sign in again with your code, then approve' });
			throw error;
		}
	}
} satisfies Actions;
