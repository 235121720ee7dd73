import { json } from '@sveltejs/kit';
import { z } from 'zod';
import { apiUser, parseJsonBody, problem } from '$lib/server/api.ts';
import { RUN_STARTERS } from '$lib/roles.ts';
import { RunbookNotFoundError, RunInputError, startRun } from '$lib/server/runs.ts';
import type { RequestHandler } from './$types';

const body = z.object({ inputs: z.record(z.string(), z.unknown()).default({}), version: z.number().int().positive().optional() }).strict();

export const POST: RequestHandler = async ({ locals, params, request }) => {
	const caller = apiUser(locals, ...RUN_STARTERS);
	if (caller instanceof Response) return caller;
	const input = await parseJsonBody(request, body);
	if (input instanceof Response) return input;
	try {
		const run = await startRun({ runbookName: params.name, version: input.version, inputs: input.inputs, initiator: { id: caller.id, username: caller.username } });
		return json(run, { status: 201, headers: { location: `/api/v1/runs/${run.id}` } });
	} catch (error) {
		if (error instanceof RunbookNotFoundError) return problem(404, 'Not Found', error.message);
		if (error instanceof RunInputError) return problem(422, 'Unprocessable Content', 'The run cannot start with these inputs.', error.errors);
		throw error;
	}
};
