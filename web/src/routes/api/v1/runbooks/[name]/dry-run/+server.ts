import { route } from '$lib/server/contract/route.ts';
import { dryRunOffThread } from '$lib/server/parse-pool.ts';
import { getRunbook } from '$lib/server/runbooks.ts';
import type { DryRunRequest } from '$runbooks/dry-run-request.ts';
import { documentTooLarge, MAX_DOCUMENT_BYTES } from '$runbooks/limits.ts';
import * as contract from './contract.ts';

/**
 * What a run would do, with simulated results and no side effects (runbooks/dry-run.ts): of the
 * published version (the latest unless `version` is given), or of the document in `source`.
 * Nothing is written, so a reader may ask; the parse and the simulation run off the request
 * thread, within the document bounds (runbooks/limits.ts).
 */
export const POST = route(contract.POST, async ({ params, body, json, problem }) => {
	if (body.source !== undefined && Buffer.byteLength(body.source) > MAX_DOCUMENT_BYTES) {
		return problem(413, `A runbook document may be at most ${MAX_DOCUMENT_BYTES} bytes.`, [{ path: 'source', message: documentTooLarge('runbook') }]);
	}
	let runbook: DryRunRequest['runbook'];
	if (body.source !== undefined) runbook = { source: body.source };
	else {
		const published = await getRunbook(params.name, body.version);
		if (!published) return problem(404, `No runbook "${params.name}"${body.version ? ` version ${body.version}` : ''}.`);
		runbook = { document: published.version.document, version: published.version.version };
	}
	const answer = await dryRunOffThread({ runbook, inputs: body.inputs, failAt: body.failAt, reject: body.reject });
	if (!answer.ok) return problem(422, answer.detail, answer.errors);
	return json(200, { runbook: answer.runbook, version: 'version' in runbook ? runbook.version : null, ...answer.result });
});
