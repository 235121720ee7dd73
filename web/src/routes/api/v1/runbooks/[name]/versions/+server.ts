import { route } from '$lib/server/contract/route.ts';
import { listVersions } from '$lib/server/runbooks.ts';
import * as contract from './contract.ts';

export const GET = route(contract.GET, async ({ params, json, problem }) => {
	const versions = await listVersions(params.name);
	if (!versions) return problem(404, `No runbook "${params.name}".`);
	return json(200, { versions });
});
