import { error, fail, redirect } from '@sveltejs/kit';
import { DRILL_RUNNERS, hasRole, RUNBOOK_READERS } from '$lib/roles.ts';
import { getDb } from '$lib/server/db.ts';
import { DrillNotFoundError, drillRunsOf, getDrill, readiness, startDrill } from '$lib/server/drills.ts';
import { requireRole, requireUser } from '$lib/server/guard.ts';
import { responderLevels } from '$runbooks/drill-schema.ts';
import type { Actions, PageServerLoad } from './$types';

export const load = (async ({ locals, url, params }) => {
	requireUser(locals, url);
	const user = requireRole(locals, ...RUNBOOK_READERS);
	const drill = await getDrill(getDb(), params.name);
	if (!drill) throw error(404, { message: `No drill "${params.name}".`, code: 'not_found' });
	const [runs, scores] = await Promise.all([drillRunsOf(drill.name, 50), readiness()]);
	const { spec } = drill.document;
	return {
		drill: { name: drill.name, title: drill.title, description: drill.document.metadata.description ?? null, target: drill.target, version: drill.version, source: drill.source },
		spec: { fault: spec.scenario.fault, faultWith: spec.scenario.with, faultDescription: spec.scenario.description ?? null, recovery: spec.recovery.runbook, objectives: spec.objectives, levels: responderLevels(drill.document), escalateAfter: spec.escalateAfter, maxDuration: spec.maxDuration },
		score: scores.find((s) => s.drill === drill.name) ?? null,
		runs: runs.map((r) => ({ id: r.id, status: r.status, startedAt: r.startedAt, initiator: r.initiator, ackMs: r.scores?.ackMs ?? null, rtoMs: r.scores?.rtoMs ?? null, rowsLost: Object.values(r.scores?.rowsLost ?? {}).reduce((a, b) => a + b, 0) })),
		mayStart: hasRole(user, ...DRILL_RUNNERS)
	};
}) satisfies PageServerLoad;

export const actions = {
	start: async ({ locals, params }) => {
		const user = requireRole(locals, ...DRILL_RUNNERS);
		let id: string;
		try {
			({ id } = await startDrill(params.name, { id: user.id, username: user.username }));
		} catch (err) {
			if (err instanceof DrillNotFoundError) return fail(404, { error: err.message });
			return fail(503, { error: `The drill did not start: ${(err as Error).message}` });
		}
		throw redirect(303, `/drills/runs/${id}`);
	}
} satisfies Actions;
