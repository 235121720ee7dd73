import { json } from '@sveltejs/kit';
import { z } from 'zod';
import { apiUser, parseJsonBody, problem } from '$lib/server/api.ts';
import { offThreadProblem } from '$lib/server/documents.ts';
import { dryRunOffThread } from '$lib/server/parse-pool.ts';
import { RUNBOOK_READERS } from '$lib/roles.ts';
import { getRunbook } from '$lib/server/runbooks.ts';
import type { DryRunRequest } from '$runbooks/dry-run-request.ts';
import { documentTooLarge, MAX_DOCUMENT_BYTES } from '$runbooks/limits.ts';
import type { RequestHandler } from './$types';

const scenarioSchema = z.strictObject({
	/** A runbook document (YAML or JSON) to simulate instead of a published version: the builder's draft, say. */
	source: z.string().optional(),
	version: z.number().int().min(1).optional(),
	inputs: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).default({}),
	failAt: z.string().optional(),
	reject: z.array(z.string()).default([])
});

/**
 * What a run would do, with simulated results and no side effects (runbooks/dry-run.ts): of the
 * published version (the latest unless `version` is given), or of the document in `source`.
 * Nothing is written, so a reader may ask; the parse and the simulation run off the request
 * thread, within the document bounds (runbooks/limits.ts).
 */
export const POST: RequestHandler = async ({ locals, params, request }) => {
	const caller = apiUser(locals, ...RUNBOOK_READERS);
	if (caller instanceof Response) return caller;
	const body = await parseJsonBody(request, scenarioSchema);
	if (body instanceof Response) return body;
	if (body.source !== undefined && Buffer.byteLength(body.source) > MAX_DOCUMENT_BYTES) {
		return problem(413, 'Content Too Large', `A runbook document may be at most ${MAX_DOCUMENT_BYTES} bytes.`, [{ path: 'source', message: documentTooLarge('runbook') }]);
	}
	if (body.source !== undefined && body.version !== undefined) return problem(422, 'Unprocessable Content', 'Send either a source or a version, not both.', [{ path: 'version', message: 'not allowed with source' }]);

	let runbook: DryRunRequest['runbook'];
	if (body.source !== undefined) runbook = { source: body.source };
	else {
		const published = await getRunbook(params.name, body.version);
		if (!published) return problem(404, 'Not Found', `No runbook "${params.name}"${body.version ? ` version ${body.version}` : ''}.`);
		runbook = { document: published.version.document, version: published.version.version };
	}
	const answer = await dryRunOffThread({ runbook, inputs: body.inputs, failAt: body.failAt, reject: body.reject }).catch((error: unknown) => offThreadProblem(error, 'source'));
	if (answer instanceof Response) return answer;
	if (!answer.ok) return problem(422, 'Unprocessable Content', answer.detail, answer.errors);
	return json({ runbook: answer.runbook, version: 'version' in runbook ? runbook.version : null, ...answer.result });
};
