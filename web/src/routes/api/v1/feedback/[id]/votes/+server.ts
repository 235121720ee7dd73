import { route } from '$lib/server/contract/route.ts';
import { voteFor } from '$lib/server/feedback.ts';
import * as contract from './contract.ts';

export const PUT = route(contract.PUT, async ({ caller, params, body, json, problem }) => {
	const item = await voteFor(caller, params.id, body.vote);
	return item ? json(200, item) : problem(404, `No feedback item ${params.id}.`);
});
