import { route } from '$lib/server/contract/route.ts';
import { getDb } from '$lib/server/db.ts';
import { trainingDeps } from '$lib/server/training.ts';
import { unknownAnswers } from '$runbooks/training-quiz.ts';
import { submitAttempt, TrainingRequestError } from '$shared/training-assign.ts';
import { getAssignment, getTrainingModuleById } from '$shared/training-store.ts';
import * as contract from './contract.ts';

export const POST = route(contract.POST, async ({ caller, params, body, json, problem }) => {
	const assignment = await getAssignment(getDb(), params.id);
	if (!assignment || assignment.userId !== caller.id) return problem(404, 'No such assignment of yours.');
	const module = await getTrainingModuleById(getDb(), assignment.moduleId, assignment.moduleVersion);
	const unknown = unknownAnswers(module?.document.spec.quiz, body.answers);
	if (unknown.length) return problem(422, 'The answers do not fit this module’s quiz.', unknown);
	try {
		return json(200, await submitAttempt(await trainingDeps(), params.id, caller, body.answers));
	} catch (error) {
		if (error instanceof TrainingRequestError) return error.status === 422 ? problem(422, error.message, [{ path: error.path, message: error.message }]) : problem(error.status, error.message);
		throw error;
	}
});
