import { z } from 'zod';
import { FEEDBACK_STATUSES, FEEDBACK_TYPES } from '$shared/feedback-model.ts';
import { listFeedback, listTargetNames, mayTriage, seesAllFeedback } from '$lib/server/feedback.ts';
import { requireUser } from '$lib/server/guard.ts';
import type { PageServerLoad } from './$types';

/** Filters from the query string; one that is not valid is dropped rather than refused. */
const filters = z.object({
	status: z.enum(FEEDBACK_STATUSES).optional().catch(undefined),
	type: z.enum(FEEDBACK_TYPES).optional().catch(undefined),
	target: z.string().max(200).optional().catch(undefined),
	q: z.string().max(200).optional().catch(undefined)
});

/** Everyone signed in has a board; a member's holds only what they submitted. */
export const load = (async ({ locals, url }) => {
	const user = requireUser(locals, url);
	const chosen = filters.parse(Object.fromEntries([...url.searchParams].filter(([, v]) => v !== '')));
	const [{ items, total }, targets] = await Promise.all([listFeedback(user, chosen), listTargetNames()]);
	return { items, total, filters: chosen, targets, seesAll: seesAllFeedback(user), canTriage: mayTriage(user) };
}) satisfies PageServerLoad;
