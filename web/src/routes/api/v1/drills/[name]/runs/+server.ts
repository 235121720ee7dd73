import { route } from '$lib/server/contract/route.ts';
import { DrillNotFoundError, startDrill } from '$lib/server/drills.ts';
import * as contract from './contract.ts';

export const POST = route(contract.POST, async ({ caller, params, json, problem }) => {
	try {
		const run = await startDrill(params.name, { id: caller.id, username: caller.username });
		return json(201, run, { location: `/api/v1/drill-runs/${run.id}` });
	} catch (error) {
		if (error instanceof DrillNotFoundError) return problem(404, error.message);
		throw error;
	}
});
