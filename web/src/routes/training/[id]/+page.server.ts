import { error, fail } from '@sveltejs/kit';
import { getDb } from '$lib/server/db.ts';
import { requireUser } from '$lib/server/guard.ts';
import { assignmentDetail, trainingDeps } from '$lib/server/training.ts';
import { unknownAnswers, type QuizAnswers } from '$runbooks/training-quiz.ts';
import { submitAttempt, TrainingRequestError } from '$shared/training-assign.ts';
import type { Actions, PageServerLoad } from './$types';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A module page: the holder of the assignment (or an admin) reads it; only the holder takes the quiz. */
export const load = (async ({ locals, url, params }) => {
	const user = requireUser(locals, url);
	if (!UUID.test(params.id)) throw error(404, { message: 'No such assignment.', code: 'not_found' });
	const detail = await assignmentDetail(getDb(), params.id, user);
	if (!detail) throw error(404, { message: 'No such assignment.', code: 'not_found' });
	return { assignment: detail, mine: detail.user === user.username };
}) satisfies PageServerLoad;

export const actions = {
	submit: async ({ locals, url, params, request }) => {
		const user = requireUser(locals, url);
		if (!UUID.test(params.id)) throw error(404, { message: 'No such assignment.', code: 'not_found' });
		const detail = await assignmentDetail(getDb(), params.id, user);
		if (!detail || detail.user !== user.username) throw error(404, { message: 'No such assignment.', code: 'not_found' });
		const form = await request.formData();
		const answers: QuizAnswers = {};
		for (const question of detail.moduleContent.quiz?.questions ?? []) answers[question.id] = form.getAll(question.id).map(String);
		if (unknownAnswers(detail.moduleContent.quiz ?? undefined, answers).length) return fail(400, { invalid: true });
		try {
			const result = await submitAttempt(await trainingDeps(), params.id, user, answers);
			return { result };
		} catch (err) {
			if (err instanceof TrainingRequestError) return fail(err.status === 422 ? 400 : err.status, { refused: err.message });
			throw err;
		}
	}
} satisfies Actions;
