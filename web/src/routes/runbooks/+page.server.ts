import { RUN_STARTERS, RUNBOOK_AUTHORS, RUNBOOK_READERS, hasRole } from '$lib/roles.ts';
import { requireRole, requireUser } from '$lib/server/guard.ts';
import { listRunbooks } from '$lib/server/views/runbooks.ts';
import type { PageServerLoad } from './$types';

export const load = (async ({ locals, url }) => {
	requireUser(locals, url);
	const user = requireRole(locals, ...RUNBOOK_READERS);
	return { runbooks: await listRunbooks(), canStart: hasRole(user, ...RUN_STARTERS), canAuthor: hasRole(user, ...RUNBOOK_AUTHORS) };
}) satisfies PageServerLoad;
