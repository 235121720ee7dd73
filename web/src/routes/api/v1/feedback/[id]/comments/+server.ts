import { route } from '$lib/server/contract/route.ts';
import { commentOnFeedback } from '$lib/server/feedback.ts';
import * as contract from './contract.ts';

export const POST = route(contract.POST, async ({ caller, params, body, json, problem }) => {
	const comment = await commentOnFeedback(caller, params.id, body.body);
	return comment ? json(201, comment) : problem(404, `No feedback item ${params.id}.`);
});
