import { fail } from '@sveltejs/kit';
import { z } from 'zod';
import { requireUser } from '$lib/server/guard.ts';
import { approvalsFor, decide, DecisionRefusedError } from '$lib/server/approvals.ts';
import type { Actions, PageServerLoad } from './$types';

/** Any signed-in person may open the inbox: who may decide is the workflow's rule, applied to each item. */
export const load = (async ({ locals, url }) => {
	const user = requireUser(locals, url);
	return { approvals: await approvalsFor({ id: user.id, username: user.username, roles: [...user.roles] }) };
}) satisfies PageServerLoad;

const decisionForm = z.object({
	runId: z.string().uuid(),
	stepId: z.string().min(1),
	decision: z.enum(['approve', 'reject']),
	comment: z.string().trim().max(2000).optional()
});

export const actions = {
	decide: async ({ locals, request, url }) => {
		const user = requireUser(locals, url);
		const parsed = decisionForm.safeParse(Object.fromEntries(await request.formData()));
		if (!parsed.success) return fail(400, { key: null, message: 'The decision form was incomplete; reload the page and try again.' });
		const { runId, stepId, decision, comment } = parsed.data;
		const key = `${runId}/${stepId}`;
		try {
			const result = await decide(runId, stepId, decision, comment || undefined, { id: user.id, username: user.username, roles: [...user.roles] });
			return { key, done: `${decision === 'approve' ? 'Approved' : 'Rejected'}: ${result.approvals} of ${result.quorum} approvals so far.` };
		} catch (error) {
			if (error instanceof DecisionRefusedError) return fail(error.status, { key, message: `Your decision did not count: ${error.message}.` });
			throw error;
		}
	}
} satisfies Actions;
