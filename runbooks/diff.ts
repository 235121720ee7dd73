import { createTwoFilesPatch, diffLines } from 'diff';
import { parseDocument, stringify } from 'yaml';
import type { RunbookDocument } from './schema.ts';

/**
 * What changed between two versions of a runbook: the text, line by line, and a summary a
 * reviewer reads first — which steps were added, removed, changed (and in which fields) or moved,
 * and which settings outside the steps changed. Sources are compared as written; a document
 * without its source is compared as YAML.
 */
export interface DiffLine {
	kind: 'same' | 'added' | 'removed';
	text: string;
	/** 1-based line numbers in the old and the new text (an added line has no old one, and so on). */
	oldLine?: number;
	newLine?: number;
}

export interface StepChange {
	id: string;
	/** Changed fields of the step, such as `uses`, `with.database`, `retry`. */
	fields: string[];
}

export interface RunbookDiff {
	identical: boolean;
	/** A unified diff with three lines of context, as `git diff` prints it. */
	patch: string;
	lines: DiffLine[];
	steps: { added: string[]; removed: string[]; changed: StepChange[]; moved: string[] };
	/** Paths outside the steps whose values differ, such as `metadata.title` or `spec.inputs.release`. */
	changed: string[];
}

export type RunbookVersion = string | RunbookDocument;

export function diffRunbooks(a: RunbookVersion, b: RunbookVersion, labels: { old?: string; new?: string } = {}): RunbookDiff {
	const [oldText, newText] = [asText(a), asText(b)];
	const [oldData, newData] = [asData(a), asData(b)];
	const oldSteps = stepsOf(oldData);
	const newSteps = stepsOf(newData);
	const common = [...oldSteps.keys()].filter((id) => newSteps.has(id));
	const inOrder = new Set(longestCommonSubsequence(common, [...newSteps.keys()].filter((id) => oldSteps.has(id))));
	return {
		identical: oldText === newText,
		patch: createTwoFilesPatch(labels.old ?? 'a', labels.new ?? 'b', oldText, newText, undefined, undefined, { context: 3 }),
		lines: lineDiff(oldText, newText),
		steps: {
			added: [...newSteps.keys()].filter((id) => !oldSteps.has(id)),
			removed: [...oldSteps.keys()].filter((id) => !newSteps.has(id)),
			changed: common.map((id) => ({ id, fields: changedFields(oldSteps.get(id), newSteps.get(id), ['with', 'rollback']) })).filter((c) => c.fields.length > 0),
			moved: common.filter((id) => !inOrder.has(id))
		},
		changed: settingsChanged(oldData, newData)
	};
}

function asText(version: RunbookVersion): string {
	return typeof version === 'string' ? version : stringify(version, { lineWidth: 0 });
}

/** The document's data; a source that is not YAML has none, and then only its text is compared. */
function asData(version: RunbookVersion): unknown {
	if (typeof version !== 'string') return version;
	const doc = parseDocument(version, { uniqueKeys: false, logLevel: 'error' });
	if (doc.errors.length) return undefined;
	try {
		return doc.toJS({ maxAliasCount: 100 });
	} catch {
		return undefined;
	}
}

function isMapping(value: unknown): value is Record<string, unknown> {
	return !!value && typeof value === 'object' && !Array.isArray(value);
}

function record(value: unknown): Record<string, unknown> {
	return isMapping(value) ? value : {};
}

/** Steps by id, in document order; the first of two steps sharing an id stands for both. */
function stepsOf(data: unknown): Map<string, Record<string, unknown>> {
	const steps = new Map<string, Record<string, unknown>>();
	const list = record(record(data).spec).steps;
	if (!Array.isArray(list)) return steps;
	for (const step of list) {
		const id = record(step).id;
		if (typeof id === 'string' && !steps.has(id)) steps.set(id, record(step));
	}
	return steps;
}

/** Keys whose values differ; for keys in `deeper`, the keys one level down (`with.database`). */
function changedFields(a: unknown, b: unknown, deeper: readonly string[], prefix = ''): string[] {
	const [x, y] = [record(a), record(b)];
	const keys = [...new Set([...Object.keys(x), ...Object.keys(y)])];
	return keys.flatMap((key) => {
		if (same(x[key], y[key])) return [];
		if (deeper.includes(key) && isMapping(x[key]) && isMapping(y[key])) return changedFields(x[key], y[key], [], `${prefix}${key}.`);
		return [`${prefix}${key}`];
	});
}

function settingsChanged(a: unknown, b: unknown): string[] {
	const [x, y] = [record(a), record(b)];
	const top = changedFields(x, y, []).filter((key) => key !== 'metadata' && key !== 'spec');
	const metadata = changedFields(x.metadata, y.metadata, []).map((key) => `metadata.${key}`);
	const specA = { ...record(x.spec), steps: undefined };
	const specB = { ...record(y.spec), steps: undefined };
	const spec = changedFields(specA, specB, ['inputs']).map((key) => `spec.${key}`);
	return [...top, ...metadata, ...spec];
}

function same(a: unknown, b: unknown): boolean {
	return canonical(a) === canonical(b);
}

/** JSON with keys sorted, so two mappings that differ only in key order are equal. */
function canonical(value: unknown): string {
	if (value === undefined) return 'undefined';
	if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
	if (value && typeof value === 'object')
		return `{${Object.keys(value)
			.sort()
			.map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
			.join(',')}}`;
	return JSON.stringify(value);
}

function lineDiff(oldText: string, newText: string): DiffLine[] {
	const lines: DiffLine[] = [];
	let oldLine = 1;
	let newLine = 1;
	for (const change of diffLines(oldText, newText)) {
		const texts = change.value.split('\n');
		if (texts.at(-1) === '') texts.pop();
		for (const text of texts) {
			if (change.added) lines.push({ kind: 'added', text, newLine: newLine++ });
			else if (change.removed) lines.push({ kind: 'removed', text, oldLine: oldLine++ });
			else lines.push({ kind: 'same', text, oldLine: oldLine++, newLine: newLine++ });
		}
	}
	return lines;
}

function longestCommonSubsequence(a: readonly string[], b: readonly string[]): string[] {
	const table = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
	for (let i = a.length - 1; i >= 0; i--) {
		for (let j = b.length - 1; j >= 0; j--) table[i][j] = a[i] === b[j] ? table[i + 1][j + 1] + 1 : Math.max(table[i + 1][j], table[i][j + 1]);
	}
	const out: string[] = [];
	for (let i = 0, j = 0; i < a.length && j < b.length; ) {
		if (a[i] === b[j]) {
			out.push(a[i]);
			i++;
			j++;
		} else if (table[i + 1][j] >= table[i][j + 1]) i++;
		else j++;
	}
	return out;
}
