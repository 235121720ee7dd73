import { getDb } from '$lib/server/db.ts';
import { requireUser } from '$lib/server/guard.ts';
import { listAssignments } from '$shared/training-store.ts';
import type { PageServerLoad } from './$types';

/** "My training": everyone signed in sees their own assignments and nobody else's. */
export const load = (async ({ locals, url }) => {
	const user = requireUser(locals, url);
	const now = Date.now();
	const assignments = (await listAssignments(getDb(), { userId: user.id })).map((a) => ({
		id: a.id,
		module: a.module,
		title: a.moduleTitle,
		// A completion past its validity counts as expired at once, even before its workflow has moved it on.
		status: a.status === 'completed' && a.expiresAt && a.expiresAt.getTime() <= now ? ('expired' as const) : a.status,
		due: a.due,
		completedAt: a.completedAt,
		score: a.score,
		timeSpentSeconds: a.timeSpentSeconds,
		expiresAt: a.expiresAt
	}));
	return {
		todo: assignments.filter((a) => a.status !== 'completed'),
		certificates: assignments.filter((a) => a.status === 'completed')
	};
}) satisfies PageServerLoad;
