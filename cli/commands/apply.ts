import { ApiError, toProblem, type Api } from '../api.ts';
import { documentFiles, isReadable, readDocuments, type SourceDocument } from '../documents.ts';
import { UsageError, type Output } from '../output.ts';

/** Where each kind of document is applied. */
const ROUTES: Record<string, string> = { Runbook: '/runbooks', Window: '/windows', Target: '/targets', Drill: '/drills', TrainingModule: '/training/modules' };

interface Applied {
	name?: string;
	version?: number;
	created?: boolean;
	changed?: boolean;
}

/** "published version 3", "unchanged (version 3)", "created", "updated", "unchanged". */
function outcome(status: number, body: Applied): string {
	if (typeof body.version === 'number') return body.created === false ? `unchanged (version ${body.version})` : `published version ${body.version}`;
	if (body.changed === false) return 'unchanged';
	return status === 201 ? 'created' : 'updated';
}

async function applyOne(api: Api, doc: SourceDocument, out: Output): Promise<boolean> {
	const label = `${doc.kind}${doc.name ? ` ${doc.name}` : ''}`;
	const where = (line?: number, column?: number) => (line ? `${doc.file}:${line + doc.lineOffset}:${column ?? 1}` : doc.file);
	const route = ROUTES[doc.kind ?? ''];
	if (!route) {
		out.line(`${doc.file}:${doc.lineOffset + 1}:1: ${label}: error: cannot apply kind "${doc.kind}" (only ${Object.keys(ROUTES).join(', ')})`);
		return false;
	}
	const response = await api.send('POST', route, doc.source, doc.contentType);
	if (response.status < 400) {
		out.line(`${doc.file}: ${label}: ${outcome(response.status, response.body as Applied)}`);
		return true;
	}
	if (response.status === 404 || response.status === 405) {
		out.line(`${doc.file}: ${label}: error: this server does not accept ${doc.kind} documents yet (POST /api/v1${route} answered ${response.status})`);
		return false;
	}
	const problem = toProblem(response.status, response.body);
	if (problem.errors?.length) {
		for (const error of problem.errors) out.line(`${where(error.line, error.column)}: ${label}: error: ${error.path}: ${error.message}`);
	} else {
		out.line(`${doc.file}: ${label}: error: ${new ApiError(problem).message}`);
	}
	return false;
}

/**
 * `tend apply <folder|file>…`: every document in order, one line each; exit 1 if any failed.
 * A document that fails does not stop the ones after it.
 */
export async function apply(api: Api, paths: string[], out: Output): Promise<number> {
	if (!paths.length) throw new UsageError('apply needs at least one file or folder');
	let failed = 0;
	let applied = 0;
	for (const file of documentFiles(paths)) {
		for (const doc of readDocuments(file)) {
			if (!isReadable(doc)) {
				for (const error of doc.errors) out.line(`${error.line ? `${doc.file}:${error.line}:${error.column ?? 1}` : doc.file}: error: ${error.message}`);
				failed++;
				continue;
			}
			if (await applyOne(api, doc, out)) applied++;
			else failed++;
		}
	}
	if (!applied && !failed) out.line('no documents found (looked for .yaml, .yml and .json files)');
	out.line(`${applied} applied, ${failed} failed`);
	return failed ? 1 : 0;
}
