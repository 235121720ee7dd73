import { fail, redirect } from '@sveltejs/kit';
import { FeedbackInputError, listTargetNames, submitFeedback } from '$lib/server/feedback.ts';
import { newFeedbackSchema } from '$lib/server/contract/feedback-schemas.ts';
import { requireUser } from '$lib/server/guard.ts';
import type { Actions, PageServerLoad } from './$types';

/** Anyone signed in may submit feedback; the form is linked from the top bar of every page. */
export const load = (async ({ locals, url }) => {
	requireUser(locals, url);
	return { targets: await listTargetNames(), target: url.searchParams.get('target') ?? '' };
}) satisfies PageServerLoad;

export const actions = {
	submit: async ({ locals, request, url }) => {
		const user = requireUser(locals, url);
		const form = Object.fromEntries(await request.formData()) as Record<string, string>;
		const values = { target: form.target ?? '', type: form.type ?? '', title: form.title ?? '', body: form.body ?? '' };
		const parsed = newFeedbackSchema.safeParse(values);
		if (!parsed.success) return fail(400, { values, errors: Object.fromEntries(parsed.error.issues.map((i) => [String(i.path[0]), i.message])) });
		let id: string;
		try {
			id = (await submitFeedback(user, parsed.data)).id;
		} catch (error) {
			if (error instanceof FeedbackInputError) return fail(400, { values, errors: Object.fromEntries(error.errors.map((e) => [e.path, e.message])) });
			throw error;
		}
		redirect(303, `/feedback/${id}`);
	}
} satisfies Actions;
