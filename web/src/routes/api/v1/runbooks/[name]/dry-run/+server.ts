import { json } from '@sveltejs/kit';
import { z } from 'zod';
import { apiUser, parseJsonBody, problem } from '$lib/server/api.ts';
import { RUNBOOK_READERS } from '$lib/roles.ts';
import { getRunbook } from '$lib/server/runbooks.ts';
import { dryRun } from '../../../../../../../../runbooks/dry-run.ts';
import { parseRunbook } from '../../../../../../../../runbooks/parse.ts';
import { runbookSchema, type RunbookDocument } from '../../../../../../../../runbooks/schema.ts';
import type { RequestHandler } from './$types';

const MAX_SOURCE_CHARS = 1_000_000;

const scenarioSchema = z.strictObject({
	/** A runbook document (YAML or JSON) to simulate instead of a published version: the builder's draft, say. */
	source: z.string().max(MAX_SOURCE_CHARS).optional(),
	version: z.number().int().min(1).optional(),
	inputs: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).default({}),
	failAt: z.string().optional(),
	reject: z.array(z.string()).default([])
});

/**
 * What a run would do, with simulated results and no side effects (runbooks/dry-run.ts): of the
 * published version (the latest unless `version` is given), or of the document in `source`.
 * Nothing is written, so a reader may ask.
 */
export const POST: RequestHandler = async ({ locals, params, request }) => {
	const caller = apiUser(locals, ...RUNBOOK_READERS);
	if (caller instanceof Response) return caller;
	const body = await parseJsonBody(request, scenarioSchema);
	if (body instanceof Response) return body;
	if (body.source !== undefined && body.version !== undefined) return problem(422, 'Unprocessable Content', 'Send either a source or a version, not both.', [{ path: 'version', message: 'not allowed with source' }]);

	let runbook: RunbookDocument;
	let version: number | null = null;
	if (body.source !== undefined) {
		const parsed = parseRunbook(body.source);
		if (!parsed.ok) return problem(422, 'Unprocessable Content', 'The runbook in source is not valid.', parsed.errors.map((e) => ({ ...e, path: `source:${e.path}` })));
		runbook = parsed.document;
	} else {
		const published = await getRunbook(params.name, body.version);
		if (!published) return problem(404, 'Not Found', `No runbook "${params.name}"${body.version ? ` version ${body.version}` : ''}.`);
		const parsed = runbookSchema.safeParse(published.version.document);
		if (!parsed.success) return problem(422, 'Unprocessable Content', `Version ${published.version.version} no longer matches the runbook schema, so it cannot be dry run.`);
		runbook = parsed.data;
		version = published.version.version;
	}

	const plain = dryRun(runbook, { inputs: body.inputs });
	const ids = new Set(plain.steps.map((s) => s.id));
	const approvals = new Set(plain.steps.filter((s) => s.approval).map((s) => s.id));
	const errors = [
		...(body.failAt !== undefined && !ids.has(body.failAt) ? [{ path: 'failAt', message: `the runbook has no step "${body.failAt}"` }] : []),
		...body.reject.flatMap((id, i) => (approvals.has(id) ? [] : [{ path: `reject[${i}]`, message: `"${id}" is not an approval step or gate of this runbook` }]))
	];
	if (errors.length) return problem(422, 'Unprocessable Content', 'The scenario names steps the runbook does not have.', errors);

	const result = body.failAt === undefined && !body.reject.length ? plain : dryRun(runbook, { inputs: body.inputs, failAt: body.failAt, reject: body.reject });
	return json({ runbook: runbook.metadata.name, version, ...result });
};
