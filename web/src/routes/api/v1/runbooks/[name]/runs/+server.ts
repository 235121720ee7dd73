import type { FieldError } from '$lib/server/api.ts';
import { route } from '$lib/server/contract/route.ts';
import { hasRole, RUNBOOK_AUTHORS } from '$lib/roles.ts';
import { RunbookNotFoundError, RunInputError, RunVersionError, startRun, TemporalUnavailableError } from '$lib/server/runs.ts';
import { parseSource } from '$runbooks/source.ts';
import * as contract from './contract.ts';

/**
 * Points each input error at the request body, as a runbook's errors point at its source: at the
 * offending value, or, for a missing input, at the `inputs` object it belongs in (the body when
 * there is none). Errors about the runbook itself (`spec.target`) have no place in the body.
 */
function locateInBody(raw: string, errors: FieldError[]): FieldError[] {
	const source = parseSource(raw);
	return errors.map((error) => (error.path.startsWith('inputs.') ? { ...error, ...source.locate({ path: ['inputs', error.path.slice('inputs.'.length)], message: error.message }) } : error));
}

export const POST = route(contract.POST, async ({ caller, params, body, bodyText, json, problem }) => {
	try {
		const run = await startRun({
			runbookName: params.name,
			version: body.version,
			inputs: body.inputs,
			initiator: { id: caller.id, username: caller.username },
			mayPickVersion: hasRole(caller, ...RUNBOOK_AUTHORS)
		});
		return json(201, run, { location: `/api/v1/runs/${run.id}` });
	} catch (error) {
		if (error instanceof RunbookNotFoundError) return problem(404, error.message);
		if (error instanceof RunVersionError) return problem(403, `Version ${body.version} may not be started: ${error.message}.`, [{ path: 'version', message: `must be ${error.currentVersion}, or left out` }]);
		if (error instanceof RunInputError) return problem(422, 'The run cannot start with these inputs.', locateInBody(bodyText, error.errors));
		if (error instanceof TemporalUnavailableError) return problem(503, 'Temporal cannot be reached, so the run was not started. Try again in a moment.', undefined, { 'retry-after': '5' });
		throw error;
	}
});
