import { error, fail, redirect } from '@sveltejs/kit';
import { z } from 'zod';
import { FEEDBACK_PRIORITIES, FEEDBACK_STATUSES, nextFeedbackStatuses } from '$shared/feedback-model.ts';
import { changeFeedback, commentOnFeedback, FeedbackConflictError, FeedbackInputError, getFeedback, linkRun, mayTriage, mergeFeedback, voteFor, watch } from '$lib/server/feedback.ts';
import { requireRole, requireUser } from '$lib/server/guard.ts';
import type { Actions, PageServerLoad } from './$types';

const itemId = z.uuid();

/** Whoever may read the item (a member: their own) sees its timeline and may comment; triagers change it and link runs. */
export const load = (async ({ locals, url, params }) => {
	const user = requireUser(locals, url);
	const item = itemId.safeParse(params.id).success ? await getFeedback(user, params.id) : null;
	if (!item) error(404, { message: 'No such feedback item.', code: 'not_found' });
	return { item, canTriage: mayTriage(user), next: nextFeedbackStatuses(item.status).filter((s) => s !== 'duplicate'), priorities: FEEDBACK_PRIORITIES };
}) satisfies PageServerLoad;

const commentForm = z.object({ body: z.string().trim().min(1).max(5000) });
const changeForm = z.object({ status: z.enum(FEEDBACK_STATUSES).optional().or(z.literal('').transform(() => undefined)), priority: z.enum(FEEDBACK_PRIORITIES).optional().or(z.literal('').transform(() => undefined)) });
const linkForm = z.object({ runId: z.uuid() });
const mergeForm = z.object({ into: z.uuid() });
const onOff = z.object({ on: z.enum(['true', 'false']).transform((v) => v === 'true') });

export const actions = {
	comment: async ({ locals, request, url, params }) => {
		const user = requireUser(locals, url);
		const parsed = commentForm.safeParse(Object.fromEntries(await request.formData()));
		if (!parsed.success || !itemId.safeParse(params.id).success) return fail(400, { action: 'comment' as const, code: 'empty' as const });
		if (!(await commentOnFeedback(user, params.id, parsed.data.body))) return fail(404, { action: 'comment' as const, code: 'not_found' as const });
		return { done: 'comment' as const };
	},
	change: async ({ locals, request, params }) => {
		const user = requireRole(locals, 'author', 'operator');
		const parsed = changeForm.safeParse(Object.fromEntries(await request.formData()));
		if (!parsed.success || !itemId.safeParse(params.id).success || (!parsed.data.status && !parsed.data.priority)) return fail(400, { action: 'change' as const, code: 'invalid' as const });
		try {
			if (!(await changeFeedback(user, params.id, parsed.data))) return fail(404, { action: 'change' as const, code: 'not_found' as const });
		} catch (e) {
			if (e instanceof FeedbackInputError || e instanceof FeedbackConflictError) return fail(409, { action: 'change' as const, code: 'invalid' as const });
			throw e;
		}
		return { done: 'change' as const };
	},
	link: async ({ locals, request, params }) => {
		const user = requireRole(locals, 'author', 'operator');
		const parsed = linkForm.safeParse(Object.fromEntries(await request.formData()));
		if (!parsed.success || !itemId.safeParse(params.id).success) return fail(400, { action: 'link' as const, code: 'no_run' as const });
		try {
			if (!(await linkRun(user, params.id, parsed.data.runId))) return fail(404, { action: 'link' as const, code: 'not_found' as const });
		} catch (e) {
			if (e instanceof FeedbackInputError) return fail(400, { action: 'link' as const, code: 'no_run' as const });
			throw e;
		}
		return { done: 'link' as const };
	},
	merge: async ({ locals, request, params }) => {
		const user = requireRole(locals, 'author', 'operator');
		const parsed = mergeForm.safeParse(Object.fromEntries(await request.formData()));
		if (!parsed.success || !itemId.safeParse(params.id).success) return fail(400, { action: 'merge' as const, code: 'no_item' as const });
		try {
			const into = await mergeFeedback(user, params.id, parsed.data.into);
			if (!into) return fail(404, { action: 'merge' as const, code: 'not_found' as const });
		} catch (e) {
			if (e instanceof FeedbackInputError || e instanceof FeedbackConflictError) return fail(400, { action: 'merge' as const, code: 'no_item' as const });
			throw e;
		}
		redirect(303, `/feedback/${parsed.data.into}`);
	},
	vote: async ({ locals, request, url, params }) => {
		const user = requireUser(locals, url);
		const parsed = onOff.safeParse(Object.fromEntries(await request.formData()));
		if (!parsed.success || !itemId.safeParse(params.id).success || !(await voteFor(user, params.id, parsed.data.on))) return fail(404, { action: 'vote' as const, code: 'not_found' as const });
		return { done: 'vote' as const };
	},
	watch: async ({ locals, request, url, params }) => {
		const user = requireUser(locals, url);
		const parsed = onOff.safeParse(Object.fromEntries(await request.formData()));
		if (!parsed.success || !itemId.safeParse(params.id).success || !(await watch(user, params.id, parsed.data.on))) return fail(404, { action: 'watch' as const, code: 'not_found' as const });
		return { done: 'watch' as const };
	}
} satisfies Actions;
