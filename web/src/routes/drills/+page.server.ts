import { fail, redirect } from '@sveltejs/kit';
import { DRILL_RUNNERS, hasRole, RUNBOOK_READERS } from '$lib/roles.ts';
import { getDb } from '$lib/server/db.ts';
import { DrillNotFoundError, listDrills, readiness, READINESS_HALF_LIFE_DAYS, startDrill } from '$lib/server/drills.ts';
import { requireRole, requireUser } from '$lib/server/guard.ts';
import type { Actions, PageServerLoad } from './$types';

export const load = (async ({ locals, url }) => {
	requireUser(locals, url);
	const user = requireRole(locals, ...RUNBOOK_READERS);
	const [scenarios, drills] = await Promise.all([readiness(), listDrills(getDb())]);
	const recovery = new Map(drills.map((d) => [d.name, d.document.spec.recovery.runbook]));
	return {
		halfLifeDays: READINESS_HALF_LIFE_DAYS,
		scenarios: scenarios.map((s) => ({ ...s, recovery: recovery.get(s.drill) ?? '' })),
		mayStart: hasRole(user, ...DRILL_RUNNERS)
	};
}) satisfies PageServerLoad;

export const actions = {
	start: async ({ locals, request }) => {
		const user = requireRole(locals, ...DRILL_RUNNERS);
		const name = String((await request.formData()).get('drill') ?? '');
		let id: string;
		try {
			({ id } = await startDrill(name, { id: user.id, username: user.username }));
		} catch (error) {
			if (error instanceof DrillNotFoundError) return fail(404, { error: error.message });
			return fail(503, { error: `The drill did not start: ${(error as Error).message}` });
		}
		throw redirect(303, `/drills/runs/${id}`);
	}
} satisfies Actions;
