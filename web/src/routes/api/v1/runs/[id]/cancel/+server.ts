import { json } from '@sveltejs/kit';
import { z } from 'zod';
import { apiUser, parseJsonBody, problem } from '$lib/server/api.ts';
import { RUN_CANCELLERS } from '$lib/roles.ts';
import { cancelRun, RunNotFoundError, RunStateError } from '$lib/server/runs.ts';
import { isRunId } from '$lib/server/views/runs.ts';
import type { RequestHandler } from './$types';

const bodySchema = z.object({ reason: z.string().max(2000).optional() });

/** Cancels a run: 202 while the workflow stops (and compensates, with `rollback`); 409 once it has ended. */
export const POST: RequestHandler = async ({ locals, params, request }) => {
	const caller = apiUser(locals, ...RUN_CANCELLERS);
	if (caller instanceof Response) return caller;
	if (!isRunId(params.id)) return problem(404, 'Not Found', `No run "${params.id}".`);
	const hasBody = Number(request.headers.get('content-length') ?? 0) > 0;
	const body = hasBody ? await parseJsonBody(request, bodySchema) : {};
	if (body instanceof Response) return body;
	try {
		await cancelRun(params.id, { id: caller.id, username: caller.username, roles: [...caller.roles] }, body.reason);
	} catch (error) {
		if (error instanceof RunNotFoundError) return problem(404, 'Not Found', `No run "${params.id}".`);
		if (error instanceof RunStateError) return problem(409, 'Conflict', `Cannot cancel: ${error.message}.`);
		throw error;
	}
	return json({ id: params.id, status: 'cancelling' }, { status: 202 });
};
