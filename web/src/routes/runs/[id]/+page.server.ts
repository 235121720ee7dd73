import { error, fail } from '@sveltejs/kit';
import { z } from 'zod';
import { hasRole, RUN_STARTERS, RUNBOOK_READERS } from '$lib/roles.ts';
import { DecisionRefusedError } from '$lib/server/approvals.ts';
import { requireRole, requireUser } from '$lib/server/guard.ts';
import { overrideFreeze, resumeRun, RunNotFoundError, tickChecklist } from '$lib/server/run-controls.ts';
import { RunStateError } from '$lib/server/runs.ts';
import { getRunbookOutline } from '$lib/server/views/runbooks.ts';
import { getRunView, listRunEvents } from '$lib/server/views/runs.ts';
import type { Actions, PageServerLoad } from './$types';

export const load = (async ({ locals, url, params, depends }) => {
	const user = requireUser(locals, url);
	requireRole(locals, ...RUNBOOK_READERS);
	// The page polls the run's JSON itself and re-runs this load only when something changed.
	depends('tend:run');
	const run = await getRunView(params.id);
	if (!run) throw error(404, { message: `There is no run "${params.id}".`, code: 'not_found' });
	const [events, outline] = await Promise.all([listRunEvents(run.id), getRunbookOutline(run.runbook, run.version)]);
	return {
		run,
		events,
		canResume: hasRole(user, ...RUN_STARTERS),
		runbook: { name: run.runbook, title: outline?.title ?? run.runbook, description: outline?.description ?? null, steps: outline?.steps ?? {} }
	};
}) satisfies PageServerLoad;

const checklistForm = z.object({ stepId: z.string().min(1), items: z.array(z.coerce.number().int().min(0)).min(1), notes: z.string().trim().max(2000).optional() });
const overrideForm = z.object({ stepId: z.string().min(1), reason: z.string().trim().min(1).max(2000) });

/**
 * What people do on a run's page besides approving (the inbox's job): tick a checklist, override
 * a freeze, resume a failed run. The workflow decides whether a tick or an override counts.
 */
export const actions = {
	checklist: async ({ locals, request, url, params }) => {
		const user = requireUser(locals, url);
		const form = await request.formData();
		const parsed = checklistForm.safeParse({ stepId: form.get('stepId'), items: form.getAll('items'), notes: form.get('notes') || undefined });
		if (!parsed.success) return fail(400, { key: `checklist:${form.get('stepId')}`, message: 'Tick at least one item first.' });
		try {
			await tickChecklist(params.id, parsed.data.stepId, parsed.data.items, parsed.data.notes, { id: user.id, username: user.username, roles: [...user.roles] });
			return { key: `checklist:${parsed.data.stepId}`, done: 'Ticked off.' };
		} catch (err) {
			if (err instanceof DecisionRefusedError) return fail(err.status, { key: `checklist:${parsed.data.stepId}`, message: `Not ticked off: ${err.message}.` });
			throw err;
		}
	},
	override: async ({ locals, request, url, params }) => {
		const user = requireUser(locals, url);
		const form = await request.formData();
		const parsed = overrideForm.safeParse(Object.fromEntries(form));
		if (!parsed.success) return fail(400, { key: `override:${form.get('stepId')}`, message: 'Say why the freeze may be broken.' });
		try {
			await overrideFreeze(params.id, parsed.data.stepId, parsed.data.reason, { id: user.id, username: user.username, roles: [...user.roles] });
			return { key: `override:${parsed.data.stepId}`, done: 'Freeze overridden for this step.' };
		} catch (err) {
			if (err instanceof DecisionRefusedError) return fail(err.status, { key: `override:${parsed.data.stepId}`, message: `The freeze still holds: ${err.message}.` });
			throw err;
		}
	},
	resume: async ({ locals, url, params }) => {
		const user = requireUser(locals, url);
		requireRole(locals, ...RUN_STARTERS);
		try {
			await resumeRun(params.id, user);
			return { key: 'resume', done: 'Resuming from the failed step.' };
		} catch (err) {
			if (err instanceof RunNotFoundError) throw error(404, { message: `There is no run "${params.id}".`, code: 'not_found' });
			if (err instanceof RunStateError) return fail(409, { key: 'resume', message: `Cannot resume: ${err.message}.` });
			throw err;
		}
	}
} satisfies Actions;
