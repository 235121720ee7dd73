import { error } from '@sveltejs/kit';
import { hasRole, RUN_STARTERS, RUNBOOK_READERS } from '$lib/roles.ts';
import { requireUser } from '$lib/server/guard.ts';
import { listRunbooksForTarget } from '$lib/server/views/runbooks.ts';
import { getTargetSummary, listBackups } from '$lib/server/views/targets.ts';
import type { PageServerLoad } from './$types';

export const load = (async ({ locals, url, params }) => {
	const user = requireUser(locals, url);
	// Everyone signed in may see a target; its runbooks only those who may read runbooks.
	const canReadRunbooks = hasRole(user, ...RUNBOOK_READERS);
	const [target, backups, runbooks] = await Promise.all([
		getTargetSummary(params.name),
		listBackups(params.name),
		canReadRunbooks ? listRunbooksForTarget(params.name) : Promise.resolve(null)
	]);
	if (!target) throw error(404, { message: `There is no target named "${params.name}".`, code: 'not_found' });
	return { target, backups, runbooks, canStart: hasRole(user, ...RUN_STARTERS) };
}) satisfies PageServerLoad;
