import { RUNBOOK_READERS } from '$lib/roles.ts';
import { requireRole, requireUser } from '$lib/server/guard.ts';
import { listTargets } from '$lib/server/views/targets.ts';
import type { PageServerLoad } from './$types';

/** The same readers as GET /api/v1/targets: a member is refused here as there. */
export const load = (async ({ locals, url }) => {
	requireUser(locals, url);
	requireRole(locals, ...RUNBOOK_READERS);
	return { targets: await listTargets() };
}) satisfies PageServerLoad;
