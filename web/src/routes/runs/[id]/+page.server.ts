import { error } from '@sveltejs/kit';
import { RUNBOOK_READERS } from '$lib/roles.ts';
import { requireRole, requireUser } from '$lib/server/guard.ts';
import { getRunbookOutline } from '$lib/server/views/runbooks.ts';
import { getRunView, listRunEvents } from '$lib/server/views/runs.ts';
import type { PageServerLoad } from './$types';

export const load = (async ({ locals, url, params, depends }) => {
	requireUser(locals, url);
	requireRole(locals, ...RUNBOOK_READERS);
	// The page polls the run's JSON itself and re-runs this load only when something changed.
	depends('tend:run');
	const run = await getRunView(params.id);
	if (!run) throw error(404, { message: `There is no run "${params.id}".`, code: 'not_found' });
	const [events, outline] = await Promise.all([listRunEvents(run.id), getRunbookOutline(run.runbook, run.version)]);
	return {
		run,
		events,
		runbook: { name: run.runbook, title: outline?.title ?? run.runbook, description: outline?.description ?? null, steps: outline?.steps ?? {} }
	};
}) satisfies PageServerLoad;
