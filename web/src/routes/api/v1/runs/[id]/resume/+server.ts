import { json } from '@sveltejs/kit';
import { apiUser, problem } from '$lib/server/api.ts';
import { RUN_STARTERS } from '$lib/roles.ts';
import { resumeRun, RunNotFoundError } from '$lib/server/run-controls.ts';
import { RunStateError } from '$lib/server/runs.ts';
import { isRunId } from '$lib/server/views/runs.ts';
import type { RequestHandler } from './$types';

/** Resumes a failed run from its failed step: 202 while it starts again; 409 unless it failed. */
export const POST: RequestHandler = async ({ locals, params }) => {
	const caller = apiUser(locals, ...RUN_STARTERS);
	if (caller instanceof Response) return caller;
	if (!isRunId(params.id)) return problem(404, 'Not Found', `No run "${params.id}".`);
	try {
		const resumed = await resumeRun(params.id, caller);
		return json({ ...resumed, status: 'pending' }, { status: 202 });
	} catch (error) {
		if (error instanceof RunNotFoundError) return problem(404, 'Not Found', `No run "${params.id}".`);
		if (error instanceof RunStateError) return problem(409, 'Conflict', `Cannot resume: ${error.message}.`);
		throw error;
	}
};
