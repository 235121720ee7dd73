import { json } from '@sveltejs/kit';
import { z } from 'zod';
import { apiUser, parseJsonBody, problem, type FieldError } from '$lib/server/api.ts';
import { hasRole, RUN_STARTERS, RUNBOOK_AUTHORS } from '$lib/roles.ts';
import { RunbookNotFoundError, RunInputError, RunVersionError, startRun, TemporalUnavailableError } from '$lib/server/runs.ts';
import { givenInputsSchema } from '../../../../../../../../runbooks/inputs.ts';
import { parseSource } from '../../../../../../../../runbooks/source.ts';
import type { RequestHandler } from './$types';

const body = z.object({ inputs: givenInputsSchema.default({}), version: z.number().int().positive().optional() }).strict();

/**
 * Points each input error at the request body, as a runbook's errors point at its source: at the
 * offending value, or, for a missing input, at the `inputs` object it belongs in (the body when
 * there is none). Errors about the runbook itself (`spec.target`) have no place in the body.
 */
function locateInBody(raw: string, errors: FieldError[]): FieldError[] {
	const source = parseSource(raw);
	return errors.map((error) => (error.path.startsWith('inputs.') ? { ...error, ...source.locate({ path: ['inputs', error.path.slice('inputs.'.length)], message: error.message }) } : error));
}

export const POST: RequestHandler = async ({ locals, params, request }) => {
	const caller = apiUser(locals, ...RUN_STARTERS);
	if (caller instanceof Response) return caller;
	const raw = await request.clone().text();
	const input = await parseJsonBody(request, body);
	if (input instanceof Response) return input;
	try {
		const run = await startRun({
			runbookName: params.name,
			version: input.version,
			inputs: input.inputs,
			initiator: { id: caller.id, username: caller.username },
			mayPickVersion: hasRole(caller, ...RUNBOOK_AUTHORS)
		});
		return json(run, { status: 201, headers: { location: `/api/v1/runs/${run.id}` } });
	} catch (error) {
		if (error instanceof RunbookNotFoundError) return problem(404, 'Not Found', error.message);
		if (error instanceof RunVersionError) return problem(403, 'Forbidden', `Version ${input.version} may not be started: ${error.message}.`, [{ path: 'version', message: `must be ${error.currentVersion}, or left out` }]);
		if (error instanceof RunInputError) return problem(422, 'Unprocessable Content', 'The run cannot start with these inputs.', locateInBody(raw, error.errors));
		if (error instanceof TemporalUnavailableError) return problem(503, 'Service Unavailable', 'Temporal cannot be reached, so the run was not started. Try again in a moment.', undefined, { 'retry-after': '5' });
		throw error;
	}
};
