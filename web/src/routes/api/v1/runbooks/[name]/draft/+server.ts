import { json } from '@sveltejs/kit';
import { z } from 'zod';
import { apiUser, parseJsonBody, problem } from '$lib/server/api.ts';
import { deleteDraft, getDraft, MAX_DRAFT_BYTES, MAX_DRAFT_REQUEST_BYTES, saveDraft } from '$lib/server/drafts.ts';
import { RUNBOOK_AUTHORS } from '$lib/roles.ts';
import { getRunbook } from '$lib/server/runbooks.ts';
import { NAME_PATTERN } from '../../../../../../../../runbooks/fields.ts';
import type { RequestHandler } from './$types';

/** The builder's draft of one runbook. Authors only: a draft is unpublished work, not something to run or read. */

const draftBody = z.strictObject({
	source: z.string(),
	/** The published version the draft started from; null for a runbook not published yet. */
	baseVersion: z.number().int().min(1).nullable().default(null)
});

function badName(name: string): Response | undefined {
	if (NAME_PATTERN.test(name)) return undefined;
	return problem(400, 'Bad Request', `"${name}" is not a runbook name.`, [{ path: 'name', message: 'must be lower-case letters, digits and dashes (at most 64)' }]);
}

function view(draft: NonNullable<Awaited<ReturnType<typeof getDraft>>>) {
	return { name: draft.name, source: draft.source, baseVersion: draft.baseVersion, updatedBy: draft.updatedByName, updatedAt: draft.updatedAt.toISOString() };
}

export const GET: RequestHandler = async ({ locals, params }) => {
	const caller = apiUser(locals, ...RUNBOOK_AUTHORS);
	if (caller instanceof Response) return caller;
	const invalid = badName(params.name);
	if (invalid) return invalid;
	const draft = await getDraft(params.name);
	if (!draft) return problem(404, 'Not Found', `There is no draft of "${params.name}".`);
	return json(view(draft), { headers: { 'cache-control': 'no-store' } });
};

export const PUT: RequestHandler = async ({ locals, params, request }) => {
	const caller = apiUser(locals, ...RUNBOOK_AUTHORS);
	if (caller instanceof Response) return caller;
	const invalid = badName(params.name);
	if (invalid) return invalid;
	// Refuse an oversized body before reading it (the server would cut it off mid-JSON anyway).
	const declared = Number(request.headers.get('content-length') ?? 0);
	if (declared > MAX_DRAFT_REQUEST_BYTES) {
		// Refused unread: the rest of the body is still on the wire, so this connection cannot carry another request.
		const refused = problem(413, 'Content Too Large', `A draft may be at most ${MAX_DRAFT_BYTES} bytes.`);
		refused.headers.set('connection', 'close');
		return refused;
	}
	const body = await parseJsonBody(request, draftBody);
	if (body instanceof Response) return body;
	if (Buffer.byteLength(body.source) > MAX_DRAFT_BYTES) {
		return problem(413, 'Content Too Large', `A draft may be at most ${MAX_DRAFT_BYTES} bytes.`, [{ path: 'source', message: `must be at most ${MAX_DRAFT_BYTES} bytes` }]);
	}
	if (body.baseVersion !== null && !(await getRunbook(params.name, body.baseVersion))) {
		return problem(422, 'Unprocessable Content', 'The request body is not valid.', [{ path: 'baseVersion', message: `"${params.name}" has no published version ${body.baseVersion}` }]);
	}
	const draft = await saveDraft({ name: params.name, source: body.source, baseVersion: body.baseVersion }, caller);
	return json(view(draft));
};

export const DELETE: RequestHandler = async ({ locals, params }) => {
	const caller = apiUser(locals, ...RUNBOOK_AUTHORS);
	if (caller instanceof Response) return caller;
	const invalid = badName(params.name);
	if (invalid) return invalid;
	if (!(await deleteDraft(params.name))) return problem(404, 'Not Found', `There is no draft of "${params.name}".`);
	return new Response(null, { status: 204 });
};
