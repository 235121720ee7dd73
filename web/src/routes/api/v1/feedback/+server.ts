import { route } from '$lib/server/contract/route.ts';
import { FeedbackInputError, listFeedback, submitFeedback } from '$lib/server/feedback.ts';
import * as contract from './contract.ts';

export const GET = route(contract.GET, async ({ caller, query, json }) => json(200, await listFeedback(caller, query), { 'cache-control': 'no-store' }));

export const POST = route(contract.POST, async ({ caller, body, json, problem }) => {
	try {
		const item = await submitFeedback(caller, body);
		return json(201, item, { location: `/api/v1/feedback/${item.id}` });
	} catch (error) {
		if (error instanceof FeedbackInputError) return problem(422, 'The item is not valid; nothing was submitted.', error.errors);
		throw error;
	}
});
