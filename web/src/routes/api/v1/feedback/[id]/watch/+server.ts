import { route } from '$lib/server/contract/route.ts';
import { watch } from '$lib/server/feedback.ts';
import * as contract from './contract.ts';

export const PUT = route(contract.PUT, async ({ caller, params, body, json, problem }) => {
	const item = await watch(caller, params.id, body.watching);
	return item ? json(200, item) : problem(404, `No feedback item ${params.id}.`);
});
