import { route } from '$lib/server/contract/route.ts';
import { getDrillRun, saveDebrief } from '$lib/server/drills.ts';
import * as contract from './contract.ts';

export const POST = route(contract.POST, async ({ caller, params, body, json, problem }) => {
	const run = await getDrillRun(params.id);
	if (!run) return problem(404, `No drill run "${params.id}".`);
	const saved = await saveDebrief(params.id, caller, body);
	if (!saved) return problem(409, 'The drill has not ended yet; write its debrief when it has.');
	return json(200, saved);
});
