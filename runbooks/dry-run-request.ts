import { dryRun, type DryRunResult } from './dry-run.ts';
import { parseRunbook, type DocumentError } from './parse.ts';
import { runbookSchema, type RunbookDocument } from './schema.ts';

/**
 * A dry run as the API asks for one (POST /runbooks/{name}/dry-run), from the document to the
 * result: the whole of it is pure, so it can run off the request thread (web parse pool).
 */
export interface DryRunRequest {
	/** A document sent as source, or a published version's stored document. */
	runbook: { source: string } | { document: unknown; version: number };
	inputs: Record<string, string | number | boolean>;
	failAt?: string;
	reject: string[];
}

export type DryRunAnswer = { ok: true; runbook: string; result: DryRunResult } | { ok: false; detail: string; errors: DocumentError[] };

export function answerDryRun(request: DryRunRequest): DryRunAnswer {
	let runbook: RunbookDocument;
	if ('source' in request.runbook) {
		const parsed = parseRunbook(request.runbook.source);
		if (!parsed.ok) return { ok: false, detail: 'The runbook in source is not valid.', errors: parsed.errors.map((e) => ({ ...e, path: `source:${e.path}` })) };
		runbook = parsed.document;
	} else {
		const parsed = runbookSchema.safeParse(request.runbook.document);
		if (!parsed.success) return { ok: false, detail: `Version ${request.runbook.version} no longer matches the runbook schema, so it cannot be dry run.`, errors: [] };
		runbook = parsed.data;
	}

	const plain = dryRun(runbook, { inputs: request.inputs });
	const ids = new Set(plain.steps.map((s) => s.id));
	const approvals = new Set(plain.steps.filter((s) => s.approval).map((s) => s.id));
	const errors = [
		...(request.failAt !== undefined && !ids.has(request.failAt) ? [{ path: 'failAt', message: `the runbook has no step "${request.failAt}"` }] : []),
		...request.reject.flatMap((id, i) => (approvals.has(id) ? [] : [{ path: `reject[${i}]`, message: `"${id}" is not an approval step or gate of this runbook` }]))
	];
	if (errors.length) return { ok: false, detail: 'The scenario names steps the runbook does not have.', errors };

	const result = request.failAt === undefined && !request.reject.length ? plain : dryRun(runbook, { inputs: request.inputs, failAt: request.failAt, reject: request.reject });
	return { ok: true, runbook: runbook.metadata.name, result };
}
