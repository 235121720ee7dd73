import { route } from '$lib/server/contract/route.ts';
import { deleteDraft, getDraft, saveDraft } from '$lib/server/drafts.ts';
import { MAX_DRAFT_BYTES } from '$lib/server/draft-limits.ts';
import { getRunbook } from '$lib/server/runbooks.ts';
import * as contract from './contract.ts';

function view(draft: NonNullable<Awaited<ReturnType<typeof getDraft>>>) {
	return { name: draft.name, source: draft.source, baseVersion: draft.baseVersion, updatedBy: draft.updatedByName, updatedAt: draft.updatedAt.toISOString() };
}

export const GET = route(contract.GET, async ({ params, json, problem }) => {
	const draft = await getDraft(params.name);
	if (!draft) return problem(404, `There is no draft of "${params.name}".`);
	return json(200, view(draft), { 'cache-control': 'no-store' });
});

export const PUT = route(contract.PUT, async ({ caller, params, body, json, problem }) => {
	if (Buffer.byteLength(body.source) > MAX_DRAFT_BYTES) {
		return problem(413, `A draft may be at most ${MAX_DRAFT_BYTES} bytes.`, [{ path: 'source', message: `must be at most ${MAX_DRAFT_BYTES} bytes` }]);
	}
	if (body.baseVersion !== null && !(await getRunbook(params.name, body.baseVersion))) {
		return problem(422, 'The request body is not valid.', [{ path: 'baseVersion', message: `"${params.name}" has no published version ${body.baseVersion}` }]);
	}
	const draft = await saveDraft({ name: params.name, source: body.source, baseVersion: body.baseVersion }, caller);
	return json(200, view(draft));
});

export const DELETE = route(contract.DELETE, async ({ params, send, problem }) => {
	if (!(await deleteDraft(params.name))) return problem(404, `There is no draft of "${params.name}".`);
	return send(204);
});
