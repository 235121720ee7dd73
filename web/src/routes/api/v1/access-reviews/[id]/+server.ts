import { getCampaign } from '$lib/server/access-reviews.ts';
import { route } from '$lib/server/contract/route.ts';
import * as contract from './contract.ts';

export const GET = route(contract.GET, async ({ params, caller, json, problem }) => {
	const found = await getCampaign(params.id, caller);
	return found ? json(200, found) : problem(404, `No campaign "${params.id}" you can see.`);
});
