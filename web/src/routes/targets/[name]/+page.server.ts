import { error, fail } from '@sveltejs/kit';
import { hasRole, RUN_STARTERS, RUNBOOK_READERS } from '$lib/roles.ts';
import { requireRole, requireUser } from '$lib/server/guard.ts';
import { testTargetConnections } from '$lib/server/target-connections.ts';
import { listRunbooksForTarget } from '$lib/server/views/runbooks.ts';
import { getTargetSummary, listBackups } from '$lib/server/views/targets.ts';
import type { Actions, PageServerLoad } from './$types';

export const load = (async ({ locals, url, params }) => {
	requireUser(locals, url);
	// The same readers as GET /api/v1/targets/{name}: a member is refused here as there.
	const user = requireRole(locals, ...RUNBOOK_READERS);
	const [target, backups, runbooks] = await Promise.all([getTargetSummary(params.name), listBackups(params.name), listRunbooksForTarget(params.name)]);
	if (!target) throw error(404, { message: `There is no target named "${params.name}".`, code: 'not_found' });
	const canStart = hasRole(user, ...RUN_STARTERS);
	return { target, backups, runbooks, canStart, canTest: canStart };
}) satisfies PageServerLoad;

export const actions = {
	/** The same check as POST /api/v1/targets/{name}/test; the result is shown, not stored. */
	test: async ({ locals, params }) => {
		requireRole(locals, ...RUN_STARTERS);
		const connections = await testTargetConnections(params.name);
		if (!connections) return fail(404, { code: 'not_found' as const, message: `There is no target named "${params.name}".` });
		return { connections };
	}
} satisfies Actions;
