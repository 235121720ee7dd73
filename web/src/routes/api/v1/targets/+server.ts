import { json } from '@sveltejs/kit';
import { apiUser, problem } from '$lib/server/api.ts';
import { RUNBOOK_AUTHORS, RUNBOOK_READERS } from '$lib/roles.ts';
import { getDb } from '$lib/server/db.ts';
import { offThreadProblem, readDocumentBody } from '$lib/server/documents.ts';
import { parseTargetOffThread } from '$lib/server/parse-pool.ts';
import { listTargets, putTarget } from '../../../../../../shared/target-store.ts';
import type { RequestHandler } from './$types';

export const GET: RequestHandler = async ({ locals }) => {
	const caller = apiUser(locals, ...RUNBOOK_READERS);
	if (caller instanceof Response) return caller;
	return json({ targets: await listTargets(getDb()) });
};

/** Targets as code: the body is the document (YAML or JSON); a valid one registers or replaces the target of its name. */
export const POST: RequestHandler = async ({ locals, request }) => {
	const caller = apiUser(locals, ...RUNBOOK_AUTHORS);
	if (caller instanceof Response) return caller;
	const body = await readDocumentBody(request, 'target');
	if (body instanceof Response) return body;
	const put = await putTarget(getDb(), body.source, body.mediaType, { id: caller.id, username: caller.username }, parseTargetOffThread).catch((error: unknown) => offThreadProblem(error));
	if (put instanceof Response) return put;
	if (!put.ok) return problem(422, 'Unprocessable Content', 'The target is not valid; nothing was changed.', put.errors);
	return json({ name: put.name, changed: put.changed }, { status: put.created ? 201 : 200, headers: { location: `/api/v1/targets/${put.name}` } });
};
