import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import { isScalar, LineCounter, parseAllDocuments } from 'yaml';

/**
 * Documents to apply, read from files and folders. A YAML file may hold several documents
 * (separated by `---`); each is sent on its own, and the line it starts on is kept so that
 * the server's line numbers can be turned back into the file's.
 */
const DOCUMENT_EXTENSIONS = new Set(['.yaml', '.yml', '.json']);

export interface SourceDocument {
	file: string;
	/** The text sent to the server: the whole file when it holds one document. */
	source: string;
	contentType: 'application/yaml' | 'application/json';
	/** Lines before this document in its file. */
	lineOffset: number;
	kind?: string;
	name?: string;
}

/** A document that cannot be sent: unreadable YAML or JSON, or no `kind`. */
export interface UnreadableDocument {
	file: string;
	errors: Array<{ line?: number; column?: number; message: string }>;
}

/** The document files named, folders searched recursively (hidden folders and node_modules skipped), in a stable order. */
export function documentFiles(paths: string[]): string[] {
	const files: string[] = [];
	const visit = (path: string, named: boolean) => {
		const stat = statSync(path);
		if (stat.isDirectory()) {
			for (const entry of readdirSync(path).sort()) {
				if (entry.startsWith('.') || entry === 'node_modules') continue;
				visit(join(path, entry), false);
			}
		} else if (named || DOCUMENT_EXTENSIONS.has(extname(path).toLowerCase())) {
			files.push(path);
		}
	};
	for (const path of paths) visit(path, true);
	return files;
}

const countLines = (text: string) => text.split('\n').length - 1;

export function readDocuments(file: string): Array<SourceDocument | UnreadableDocument> {
	const text = readFileSync(file, 'utf8');
	const contentType = extname(file).toLowerCase() === '.json' ? 'application/json' : 'application/yaml';
	const lineCounter = new LineCounter();
	// JSON is YAML too, so one parser reports both with line and column.
	const documents = [...parseAllDocuments(text, { lineCounter })];
	// A trailing `---` leaves a document with nothing (or only a null) in it: nothing to apply.
	const isEmpty = (doc: (typeof documents)[number]) => doc.contents === null || (isScalar(doc.contents) && doc.contents.value === null);
	const nonEmpty = documents.filter((doc) => doc.errors.length || !isEmpty(doc));
	return nonEmpty.map((doc) => {
		if (doc.errors.length) {
			return { file, errors: doc.errors.map((error) => ({ line: error.linePos?.[0].line, column: error.linePos?.[0].col, message: error.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '') })) };
		}
		const index = documents.indexOf(doc);
		const start = nonEmpty.length === 1 ? 0 : index === 0 ? 0 : doc.range[0];
		const end = nonEmpty.length === 1 ? text.length : (documents[index + 1]?.range[0] ?? text.length);
		const kind = doc.get('kind');
		const name = doc.getIn(['metadata', 'name']);
		if (typeof kind !== 'string') {
			const { line, col } = lineCounter.linePos(doc.contents?.range[0] ?? start);
			return { file, errors: [{ line, column: col, message: 'the document has no kind (Runbook, Window, Target, Drill or TrainingModule)' }] };
		}
		return { file, source: text.slice(start, end), contentType, lineOffset: countLines(text.slice(0, start)), kind, ...(typeof name === 'string' ? { name } : {}) };
	});
}

export const isReadable = (doc: SourceDocument | UnreadableDocument): doc is SourceDocument => 'source' in doc;
