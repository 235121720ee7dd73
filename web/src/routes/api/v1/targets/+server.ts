import { json } from '@sveltejs/kit';
import { apiUser, problem } from '$lib/server/api.ts';
import { RUNBOOK_AUTHORS, RUNBOOK_READERS } from '$lib/roles.ts';
import { getDb } from '$lib/server/db.ts';
import { listTargets, putTarget } from '../../../../../../shared/target-store.ts';
import type { RequestHandler } from './$types';

const DOCUMENT_TYPES = new Set(['application/yaml', 'application/x-yaml', 'text/yaml', 'text/x-yaml', 'application/json']);
const MAX_DOCUMENT_BYTES = 1_000_000;

export const GET: RequestHandler = async ({ locals }) => {
	const caller = apiUser(locals, ...RUNBOOK_READERS);
	if (caller instanceof Response) return caller;
	return json({ targets: await listTargets(getDb()) });
};

/** Targets as code: the body is the document (YAML or JSON); a valid one registers or replaces the target of its name. */
export const POST: RequestHandler = async ({ locals, request }) => {
	const caller = apiUser(locals, ...RUNBOOK_AUTHORS);
	if (caller instanceof Response) return caller;
	const mediaType = request.headers.get('content-type')?.split(';')[0].trim().toLowerCase() ?? '';
	if (!DOCUMENT_TYPES.has(mediaType)) return problem(415, 'Unsupported Media Type', 'Send the target as application/yaml or application/json.');
	const source = await request.text();
	if (Buffer.byteLength(source) > MAX_DOCUMENT_BYTES) return problem(413, 'Content Too Large', `A target document may be at most ${MAX_DOCUMENT_BYTES} bytes.`);
	const put = await putTarget(getDb(), source, mediaType, { id: caller.id, username: caller.username });
	if (!put.ok) return problem(422, 'Unprocessable Content', 'The target is not valid; nothing was changed.', put.errors);
	return json({ name: put.name, changed: put.changed }, { status: put.created ? 201 : 200, headers: { location: `/api/v1/targets/${put.name}` } });
};
