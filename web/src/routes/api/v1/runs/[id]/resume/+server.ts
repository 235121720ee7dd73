import { route } from '$lib/server/contract/route.ts';
import { resumeRun, RunNotFoundError } from '$lib/server/run-controls.ts';
import { RunStateError } from '$lib/server/runs.ts';
import * as contract from './contract.ts';

/** Resumes a failed run from its failed step: 202 while it starts again; 409 unless it failed. */
export const POST = route(contract.POST, async ({ caller, params, json, problem }) => {
	try {
		const resumed = await resumeRun(params.id, caller);
		return json(202, { ...resumed, status: 'pending' });
	} catch (error) {
		if (error instanceof RunNotFoundError) return problem(404, `No run "${params.id}".`);
		if (error instanceof RunStateError) return problem(409, `Cannot resume: ${error.message}.`);
		throw error;
	}
});
