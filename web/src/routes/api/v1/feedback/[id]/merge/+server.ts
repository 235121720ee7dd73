import { route } from '$lib/server/contract/route.ts';
import { FeedbackConflictError, FeedbackInputError, mergeFeedback } from '$lib/server/feedback.ts';
import * as contract from './contract.ts';

export const POST = route(contract.POST, async ({ caller, params, body, json, problem }) => {
	try {
		const item = await mergeFeedback(caller, params.id, body.into);
		return item ? json(200, item) : problem(404, `No feedback item ${params.id}.`);
	} catch (error) {
		if (error instanceof FeedbackInputError) return problem(422, 'The merge is not valid; nothing changed.', error.errors);
		if (error instanceof FeedbackConflictError) return problem(409, error.message);
		throw error;
	}
});
