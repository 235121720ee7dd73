import { error, fail } from '@sveltejs/kit';
import { z } from 'zod';
import { hasRole, RUN_CANCELLERS, RUN_STARTERS, RUNBOOK_READERS } from '$lib/roles.ts';
import { decide, DecisionRefusedError } from '$lib/server/approvals.ts';
import { assertFreshSecondFactor, StepUpRequiredError } from '$lib/server/step-up.ts';
import { requireRole, requireUser } from '$lib/server/guard.ts';
import { overrideFreeze, resumeRun, tickChecklist } from '$lib/server/run-controls.ts';
import { cancelRun, RunNotFoundError, RunStateError } from '$lib/server/runs.ts';
import { getRunbookOutline } from '$lib/server/views/runbooks.ts';
import { getRunStepFacts, getRunView, listRunEvents } from '$lib/server/views/runs.ts';
import type { Actions, PageServerLoad } from './$types';

export const load = (async ({ locals, url, params, depends }) => {
	const user = requireUser(locals, url);
	requireRole(locals, ...RUNBOOK_READERS);
	// The page follows the run's event stream and re-runs this load only when something changed.
	depends('tend:run');
	const run = await getRunView(params.id);
	if (!run) throw error(404, { message: `There is no run "${params.id}".`, code: 'not_found' });
	const [events, outline, facts] = await Promise.all([listRunEvents(run.id), getRunbookOutline(run.runbook, run.version), getRunStepFacts(run.id)]);
	return {
		run,
		events,
		facts,
		// The page asks the workflow's own eligibility rule (four eyes first) before it offers the buttons.
		me: { id: user.id, username: user.username, roles: [...user.roles] },
		canResume: hasRole(user, ...RUN_STARTERS),
		canCancel: hasRole(user, ...RUN_CANCELLERS),
		runbook: { name: run.runbook, title: outline?.title ?? run.runbook, description: outline?.description ?? null, steps: outline?.steps ?? {} }
	};
}) satisfies PageServerLoad;

const checklistForm = z.object({ stepId: z.string().min(1), items: z.array(z.coerce.number().int().min(0)).min(1), notes: z.string().trim().max(2000).optional() });
const decisionForm = z.object({ stepId: z.string().min(1), decision: z.enum(['approve', 'reject']), comment: z.string().trim().max(2000).optional() });
const cancelForm = z.object({ reason: z.string().trim().max(2000).optional() });
const overrideForm = z.object({ stepId: z.string().min(1), reason: z.string().trim().min(1).max(2000) });

/** An action's answer: what it was about (`key`), an outcome the page words in the viewer's language, and the workflow's own reason when it refused. */
const refused = (status: number, key: string, outcome: string, detail?: string) => fail(status, { key, outcome, failed: true, ...(detail ? { detail } : {}) });

/**
 * What people do on a run's page: approve or reject beside the evidence, tick a checklist, override
 * a freeze, cancel, resume a failed run. The workflow decides whether a decision, a tick or an
 * override counts.
 */
export const actions = {
	decide: async ({ locals, request, url, params }) => {
		const user = requireUser(locals, url);
		const form = await request.formData();
		const parsed = decisionForm.safeParse({ stepId: form.get('stepId'), decision: form.get('decision'), comment: form.get('comment') || undefined });
		const key = `decide:${form.get('stepId')}`;
		if (!parsed.success) return refused(400, key, 'decisionIncomplete');
		const { stepId, decision, comment } = parsed.data;
		try {
			await assertFreshSecondFactor(locals, params.id, stepId, decision);
			const result = await decide(params.id, stepId, decision, comment, { id: user.id, username: user.username, roles: [...user.roles] });
			return { key, outcome: decision === 'approve' ? 'approved' : 'rejected', approvals: result.approvals, quorum: result.quorum };
		} catch (err) {
			if (err instanceof DecisionRefusedError) return refused(err.status, key, 'decisionRefused', err.message);
			// A page cannot take a code beside the decision: signing in again with it gives the fresh factor.
			if (err instanceof StepUpRequiredError) return refused(403, key, 'decisionRefused', 'approving this needs a fresh second factor: sign out and sign in again with your code, then approve');
			throw err;
		}
	},
	cancel: async ({ locals, request, url, params }) => {
		const user = requireUser(locals, url);
		requireRole(locals, ...RUN_CANCELLERS);
		const parsed = cancelForm.safeParse({ reason: (await request.formData()).get('reason') || undefined });
		if (!parsed.success) return refused(400, 'cancel', 'cancelInvalid');
		try {
			await cancelRun(params.id, { id: user.id, username: user.username, roles: [...user.roles] }, parsed.data.reason);
			return { key: 'cancel', outcome: 'cancelling' };
		} catch (err) {
			if (err instanceof RunNotFoundError) throw error(404, { message: `There is no run "${params.id}".`, code: 'not_found' });
			if (err instanceof RunStateError) return refused(409, 'cancel', 'cancelRefused', err.message);
			throw err;
		}
	},
	checklist: async ({ locals, request, url, params }) => {
		const user = requireUser(locals, url);
		const form = await request.formData();
		const parsed = checklistForm.safeParse({ stepId: form.get('stepId'), items: form.getAll('items'), notes: form.get('notes') || undefined });
		if (!parsed.success) return refused(400, `checklist:${form.get('stepId')}`, 'checklistEmpty');
		const key = `checklist:${parsed.data.stepId}`;
		try {
			await tickChecklist(params.id, parsed.data.stepId, parsed.data.items, parsed.data.notes, { id: user.id, username: user.username, roles: [...user.roles] });
			return { key, outcome: 'ticked' };
		} catch (err) {
			if (err instanceof DecisionRefusedError) return refused(err.status, key, 'checklistRefused', err.message);
			throw err;
		}
	},
	override: async ({ locals, request, url, params }) => {
		const user = requireUser(locals, url);
		const form = await request.formData();
		const parsed = overrideForm.safeParse(Object.fromEntries(form));
		if (!parsed.success) return refused(400, `override:${form.get('stepId')}`, 'overrideNeedsReason');
		const key = `override:${parsed.data.stepId}`;
		try {
			await overrideFreeze(params.id, parsed.data.stepId, parsed.data.reason, { id: user.id, username: user.username, roles: [...user.roles] });
			return { key, outcome: 'overridden' };
		} catch (err) {
			if (err instanceof DecisionRefusedError) return refused(err.status, key, 'overrideRefused', err.message);
			throw err;
		}
	},
	resume: async ({ locals, url, params }) => {
		const user = requireUser(locals, url);
		requireRole(locals, ...RUN_STARTERS);
		try {
			await resumeRun(params.id, user);
			return { key: 'resume', outcome: 'resuming' };
		} catch (err) {
			if (err instanceof RunNotFoundError) throw error(404, { message: `There is no run "${params.id}".`, code: 'not_found' });
			if (err instanceof RunStateError) return refused(409, 'resume', 'resumeRefused', err.message);
			throw err;
		}
	}
} satisfies Actions;
