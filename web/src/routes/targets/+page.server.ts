import { RUNBOOK_READERS } from '$lib/roles.ts';
import { requireRole, requireUser } from '$lib/server/guard.ts';
import { listTargets } from '$lib/server/views/targets.ts';
import type { PageServerLoad } from './$types';

export const load = (async ({ locals, url }) => {
	requireUser(locals, url);
	// As GET /api/v1/targets: the systems Tend maintains are for those who may read runbooks, not members.
	requireRole(locals, ...RUNBOOK_READERS);
	return { targets: await listTargets() };
}) satisfies PageServerLoad;
