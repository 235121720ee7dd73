import { isNode, LineCounter, parseDocument, type Document } from 'yaml';
import type { z } from 'zod';
import { STEP_TYPE_BY_USES } from './catalog.ts';
import { findExpressions } from './expressions.ts';
import { runbookSchema, type RunbookDocument } from './schema.ts';

/** One problem a user can act on: where it is (path, and line/column when the source has them) and what is wrong. */
export interface DocumentError {
	path: string;
	line?: number;
	column?: number;
	message: string;
}

export type ParseResult<T> = { ok: true; document: T } | { ok: false; errors: DocumentError[] };

type Path = (string | number)[];

export function formatPath(path: readonly PropertyKey[]): string {
	return path.reduce<string>((out, key) => (typeof key === 'number' ? `${out}[${key}]` : out ? `${out}.${String(key)}` : String(key)), '');
}

/** Parses YAML (JSON is YAML) keeping source positions, so every error can point at its line. */
function parseSource(source: string) {
	const lineCounter = new LineCounter();
	const doc = parseDocument(source, { lineCounter, prettyErrors: false, uniqueKeys: true });
	const locate = (path: Path): Pick<DocumentError, 'line' | 'column'> => {
		for (let depth = path.length; depth >= 0; depth--) {
			const node = doc.getIn(path.slice(0, depth), true);
			if (isNode(node) && node.range) {
				const { line, col } = lineCounter.linePos(node.range[0]);
				return { line, column: col };
			}
		}
		return {};
	};
	return { doc, lineCounter, locate };
}

function syntaxErrors(doc: Document, lineCounter: LineCounter): DocumentError[] {
	return doc.errors.map((error) => {
		const { line, col } = lineCounter.linePos(error.pos[0]);
		return { path: '', line, column: col, message: error.message.split('\n')[0] };
	});
}

function schemaErrors(error: z.ZodError, locate: (path: Path) => Pick<DocumentError, 'line' | 'column'>): DocumentError[] {
	return error.issues.map((issue) => {
		const path = issue.path as Path;
		return { path: formatPath(path), ...locate(path), message: issue.message };
	});
}

/** Checks what the schema alone cannot: step types, ids, `needs`, and what expressions refer to. */
export function semanticErrors(runbook: RunbookDocument): Array<{ path: Path; message: string }> {
	const errors: Array<{ path: Path; message: string }> = [];
	const steps = runbook.spec.steps;
	const seen = new Map<string, number>();
	steps.forEach((step, index) => {
		const type = STEP_TYPE_BY_USES.get(step.uses);
		if (!type) errors.push({ path: ['spec', 'steps', index, 'uses'], message: `unknown step type "${step.uses}"` });
		else if (!type.available) errors.push({ path: ['spec', 'steps', index, 'uses'], message: `step type "${step.uses}" is not available yet` });
		if (seen.has(step.id)) errors.push({ path: ['spec', 'steps', index, 'id'], message: `duplicate step id "${step.id}" (first used by steps[${seen.get(step.id)}])` });
		else seen.set(step.id, index);
		step.needs?.forEach((need, n) => {
			if (!steps.some((s) => s.id === need)) errors.push({ path: ['spec', 'steps', index, 'needs', n], message: `needs unknown step "${need}"` });
		});
	});
	const inputs = new Set(Object.keys(runbook.spec.inputs));
	steps.forEach((step, index) => {
		const earlier = new Set(steps.slice(0, index).map((s) => s.id));
		for (const { path, root, name } of findExpressions({ with: step.with, if: step.if, rollback: step.rollback })) {
			const at: Path = ['spec', 'steps', index, ...path];
			if (root === 'invalid') errors.push({ path: at, message: name ?? 'invalid expression' });
			if (root === 'inputs' && name !== undefined && !inputs.has(name)) errors.push({ path: at, message: `expression reads unknown input "${name}"` });
			if (root === 'steps' && name !== undefined && !earlier.has(name))
				errors.push({ path: at, message: steps.some((s) => s.id === name) ? `expression reads step "${name}", which runs later` : `expression reads unknown step "${name}"` });
		}
	});
	return errors;
}

export function parseRunbook(source: string): ParseResult<RunbookDocument> {
	const { doc, lineCounter, locate } = parseSource(source);
	if (doc.errors.length) return { ok: false, errors: syntaxErrors(doc, lineCounter) };
	const parsed = runbookSchema.safeParse(doc.toJS());
	if (!parsed.success) return { ok: false, errors: schemaErrors(parsed.error, locate) };
	const semantic = semanticErrors(parsed.data);
	if (semantic.length) return { ok: false, errors: semantic.map((e) => ({ path: formatPath(e.path), ...locate(e.path), message: e.message })) };
	return { ok: true, document: parsed.data };
}
