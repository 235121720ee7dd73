import { route } from '$lib/server/contract/route.ts';
import { changeFeedback, FeedbackConflictError, FeedbackInputError, getFeedback } from '$lib/server/feedback.ts';
import * as contract from './contract.ts';

export const GET = route(contract.GET, async ({ caller, params, json, problem }) => {
	const item = await getFeedback(caller, params.id);
	return item ? json(200, item, { 'cache-control': 'no-store' }) : problem(404, `No feedback item ${params.id}.`);
});

export const PATCH = route(contract.PATCH, async ({ caller, params, body, json, problem }) => {
	try {
		const item = await changeFeedback(caller, params.id, body);
		return item ? json(200, item) : problem(404, `No feedback item ${params.id}.`);
	} catch (error) {
		if (error instanceof FeedbackInputError) return problem(422, 'The change is not valid; nothing changed.', error.errors);
		if (error instanceof FeedbackConflictError) return problem(409, error.message);
		throw error;
	}
});
