import { route } from '$lib/server/contract/route.ts';
import { FeedbackInputError, linkRun } from '$lib/server/feedback.ts';
import * as contract from './contract.ts';

export const POST = route(contract.POST, async ({ caller, params, body, json, problem }) => {
	try {
		const item = await linkRun(caller, params.id, body.runId);
		return item ? json(200, item) : problem(404, `No feedback item ${params.id}.`);
	} catch (error) {
		if (error instanceof FeedbackInputError) return problem(422, 'No such run; nothing was linked.', error.errors);
		throw error;
	}
});
