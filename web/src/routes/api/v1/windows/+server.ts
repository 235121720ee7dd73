import { json } from '@sveltejs/kit';
import { apiUser, problem } from '$lib/server/api.ts';
import { RUNBOOK_AUTHORS, RUNBOOK_READERS } from '$lib/roles.ts';
import { getDb } from '$lib/server/db.ts';
import { offThreadProblem, readDocumentBody } from '$lib/server/documents.ts';
import { parseWindowOffThread } from '$lib/server/parse-pool.ts';
import { listWindowViews } from '$lib/server/windows.ts';
import { putWindow } from '../../../../../../shared/window-store.ts';
import type { RequestHandler } from './$types';

export const GET: RequestHandler = async ({ locals }) => {
	const caller = apiUser(locals, ...RUNBOOK_READERS);
	if (caller instanceof Response) return caller;
	return json({ windows: await listWindowViews(new Date(), 5) });
};

/** Windows as code: the body is the document (YAML or JSON); a valid one defines or replaces the window of its name. */
export const POST: RequestHandler = async ({ locals, request }) => {
	const caller = apiUser(locals, ...RUNBOOK_AUTHORS);
	if (caller instanceof Response) return caller;
	const body = await readDocumentBody(request, 'window');
	if (body instanceof Response) return body;
	const put = await putWindow(getDb(), body.source, body.mediaType, { id: caller.id, username: caller.username }, { parse: parseWindowOffThread }).catch((error: unknown) => offThreadProblem(error));
	if (put instanceof Response) return put;
	if (!put.ok) return problem(422, 'Unprocessable Content', 'The window is not valid; nothing was changed.', put.errors);
	return json({ name: put.name, changed: put.changed }, { status: put.created ? 201 : 200, headers: { location: `/api/v1/windows/${put.name}` } });
};
