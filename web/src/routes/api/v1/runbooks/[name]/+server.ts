import { route } from '$lib/server/contract/route.ts';
import { getRunbook } from '$lib/server/runbooks.ts';
import * as contract from './contract.ts';

export const GET = route(contract.GET, async ({ params, query, json, problem }) => {
	const runbook = await getRunbook(params.name, query.version);
	if (!runbook) return problem(404, `No runbook "${params.name}"${query.version ? ` version ${query.version}` : ''}.`);
	return json(200, runbook);
});
