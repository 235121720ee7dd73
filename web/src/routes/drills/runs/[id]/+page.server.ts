import { error, fail } from '@sveltejs/kit';
import { DRILL_RUNNERS, hasRole, RUNBOOK_READERS } from '$lib/roles.ts';
import { getDb } from '$lib/server/db.ts';
import { abortDrill, acknowledgeDrill, DecisionRefusedError, getDrill, getDrillRun, saveDebrief, startDrillRecovery } from '$lib/server/drills.ts';
import { requireRole, requireUser } from '$lib/server/guard.ts';
import type { Actions, PageServerLoad } from './$types';

export const load = (async ({ locals, url, params }) => {
	requireUser(locals, url);
	const user = requireRole(locals, ...RUNBOOK_READERS);
	const run = await getDrillRun(params.id);
	if (!run) throw error(404, { message: `No drill run "${params.id}".`, code: 'not_found' });
	const drill = await getDrill(getDb(), run.drill, run.version);
	const spec = drill?.document.spec;
	return {
		run,
		title: drill?.title ?? run.drill,
		objectives: spec?.objectives ?? null,
		recoveryStart: spec?.recovery.start ?? 'drill',
		fault: spec ? { type: spec.scenario.fault, with: spec.scenario.with, description: spec.scenario.description ?? null } : null,
		mayRespond: hasRole(user, ...DRILL_RUNNERS),
		mayAbort: hasRole(user)
	};
}) satisfies PageServerLoad;

const actor = (user: { id: string; username: string; roles: readonly string[] }) => ({ id: user.id, username: user.username, roles: [...user.roles] });

async function act(work: () => Promise<unknown>) {
	try {
		await work();
		return { done: true };
	} catch (err) {
		if (err instanceof DecisionRefusedError) return fail(err.status, { error: err.message });
		throw err;
	}
}

export const actions = {
	ack: async ({ locals, params }) => {
		const user = requireRole(locals, ...DRILL_RUNNERS);
		return act(() => acknowledgeDrill(params.id, actor(user)));
	},
	recover: async ({ locals, params }) => {
		const user = requireRole(locals, ...DRILL_RUNNERS);
		return act(() => startDrillRecovery(params.id, actor(user)));
	},
	abort: async ({ locals, params, request }) => {
		const user = requireRole(locals);
		if (!hasRole(user)) throw error(403, { message: 'Only an admin may abort a drill.', code: 'forbidden' });
		const reason = String((await request.formData()).get('reason') ?? '').trim();
		if (!reason || reason.length > 2000) return fail(400, { error: 'Say why the drill must stop (at most 2,000 characters).' });
		return act(() => abortDrill(params.id, actor(user), reason));
	},
	debrief: async ({ locals, params, request }) => {
		const user = requireRole(locals, ...DRILL_RUNNERS);
		const form = await request.formData();
		const text = (name: string, max: number) => String(form.get(name) ?? '').trim().slice(0, max);
		const titles = form.getAll('itemTitle').map(String);
		const owners = form.getAll('itemOwner').map(String);
		const dues = form.getAll('itemDue').map(String);
		const done = new Set(form.getAll('itemDone').map(String));
		const actionItems = titles
			.map((title, i) => ({ title: title.trim().slice(0, 200), owner: (owners[i] ?? '').trim().slice(0, 100), due: dues[i] ?? '', done: done.has(String(i)) }))
			.filter((item) => item.title);
		const bad = actionItems.find((item) => !item.owner || !/^\d{4}-\d{2}-\d{2}$/.test(item.due));
		if (bad) return fail(400, { error: `Action item "${bad.title}" needs an owner and a due date.` });
		const saved = await saveDebrief(params.id, user, { wentWell: text('wentWell', 4000), wentBadly: text('wentBadly', 4000), actionItems: actionItems.slice(0, 50) });
		if (!saved) return fail(409, { error: 'The drill has not ended yet; write its debrief when it has.' });
		return { done: true };
	}
} satisfies Actions;
