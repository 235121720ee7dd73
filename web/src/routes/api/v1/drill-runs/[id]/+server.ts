import { route } from '$lib/server/contract/route.ts';
import { getDrillRun } from '$lib/server/drills.ts';
import * as contract from './contract.ts';

export const GET = route(contract.GET, async ({ params, json, problem }) => {
	const run = await getDrillRun(params.id);
	if (!run) return problem(404, `No drill run "${params.id}".`);
	return json(200, run);
});
