import { hasRole, RUNBOOK_READERS } from '$lib/roles.ts';
import { requireUser } from '$lib/server/guard.ts';
import { emptyDashboard, loadDashboard } from '$lib/server/views/dashboard.ts';
import type { PageServerLoad } from './$types';

/** Runs, runbooks, targets and backups are for those who may read runbooks, as in the API; members see a page without them. */
export const load = (async ({ locals, url }) => {
	const user = requireUser(locals, url);
	return hasRole(user, ...RUNBOOK_READERS) ? { ...(await loadDashboard()), limited: false } : { ...emptyDashboard(), limited: true };
}) satisfies PageServerLoad;
