import { json } from '@sveltejs/kit';
import { apiUser, problem } from '$lib/server/api.ts';
import { RUNBOOK_AUTHORS, RUNBOOK_READERS } from '$lib/roles.ts';
import { getDb } from '$lib/server/db.ts';
import { offThreadProblem, readDocumentBody } from '$lib/server/documents.ts';
import { parseRunbookOffThread } from '$lib/server/parse-pool.ts';
import { listRunbooks } from '$lib/server/runbooks.ts';
import { targets } from '../../../../../../db/schema/index.ts';
import { publishRunbook } from '../../../../../../shared/runbook-store.ts';
import { windowNames } from '../../../../../../shared/window-store.ts';
import type { RequestHandler } from './$types';

export const GET: RequestHandler = async ({ locals }) => {
	const caller = apiUser(locals, ...RUNBOOK_READERS);
	if (caller instanceof Response) return caller;
	return json({ runbooks: await listRunbooks() });
};

/** Runbooks as code: the body is the document (YAML or JSON); a valid one is published as a new version at once. */
export const POST: RequestHandler = async ({ locals, request }) => {
	const caller = apiUser(locals, ...RUNBOOK_AUTHORS);
	if (caller instanceof Response) return caller;
	const body = await readDocumentBody(request, 'runbook');
	if (body instanceof Response) return body;
	const { source } = body;
	// Checked at publish, not first at run time: a misspelt target is the author's to fix, with its line.
	const [windows, registered] = await Promise.all([windowNames(getDb()), getDb().select({ name: targets.name }).from(targets)]);
	const parsed = await parseRunbookOffThread(source, { windows, targets: registered.map((t) => t.name) }).catch((error: unknown) => offThreadProblem(error));
	if (parsed instanceof Response) return parsed;
	if (!parsed.ok) return problem(422, 'Unprocessable Content', 'The runbook is not valid; nothing was published.', parsed.errors);
	const published = await publishRunbook(getDb(), parsed.document, source, { id: caller.id, username: caller.username });
	return json(published, { status: published.created ? 201 : 200, headers: { location: `/api/v1/runbooks/${published.name}` } });
};
