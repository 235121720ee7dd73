import { isMap, isNode, isScalar, isSeq, parseDocument, type Document, type Node, type Pair, type YAMLMap, type YAMLSeq } from 'yaml';

/**
 * Editing a parsed YAML document in place, so that what an edit does not touch keeps its comments,
 * key order and style: a changed value is written into the node that holds it rather than the node
 * being replaced, and a mapping or list is rebuilt only where its shape changed.
 */

/** Writes `value` over `node` (from `parent` at `key`), reusing what matches. */
export function syncInto(doc: Document, parent: YAMLMap | YAMLSeq, key: string | number, value: unknown): void {
	const node = parent.get(key, true) as unknown;
	if (isMap(node) && isPlainObject(value)) {
		syncMap(doc, node, value);
		return;
	}
	if (isSeq(node) && Array.isArray(value)) {
		if (sameJson(node.toJSON(), value)) return;
		if (node.items.length === value.length) {
			value.forEach((item, i) => syncInto(doc, node, i, item));
			return;
		}
	}
	if (isScalar(node) && !isPlainObject(value) && !Array.isArray(value)) {
		if (node.value !== value) node.value = value;
		return;
	}
	parent.set(key, doc.createNode(value, { flow: Array.isArray(value) && value.every((v) => !isPlainObject(v) && !Array.isArray(v)) }));
}

/** Makes the mapping hold exactly `value`'s keys: existing ones updated where they are, new ones added at the end, missing ones dropped. */
export function syncMap(doc: Document, map: YAMLMap, value: Record<string, unknown>): void {
	for (const pair of [...map.items]) {
		const key = pairKey(pair);
		if (key === undefined || !(key in value) || value[key] === undefined) map.delete(pair.key);
	}
	for (const [key, next] of Object.entries(value)) {
		if (next === undefined) continue;
		if (map.has(key)) syncInto(doc, map, key, next);
		else map.set(key, doc.createNode(next));
	}
}

/** Sets `key` in a mapping; a key not there yet goes right after `afterKey` when that exists (so `needs` sits beside `uses`). */
export function setKeyAfter(doc: Document, map: YAMLMap, key: string, value: Node, afterKey: string): void {
	if (map.has(key)) {
		map.set(key, value);
		return;
	}
	const at = map.items.findIndex((pair) => pairKey(pair) === afterKey);
	const pair = doc.createPair(key, value);
	if (at < 0) map.items.push(pair);
	else map.items.splice(at + 1, 0, pair);
}

export function pairKey(pair: Pair): string | undefined {
	const key = pair.key as unknown;
	if (isScalar(key)) return String(key.value);
	return typeof key === 'string' ? key : undefined;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function sameJson(a: unknown, b: unknown): boolean {
	return JSON.stringify(a) === JSON.stringify(b);
}

/** Every string scalar below `node`, for rewriting references in place. */
export function* stringScalars(node: unknown): Generator<{ value: string; set: (next: string) => void }> {
	if (isScalar(node)) {
		if (typeof node.value === 'string') yield { value: node.value, set: (next) => (node.value = next) };
	} else if (isMap(node) || isSeq(node)) {
		for (const item of node.items as unknown[]) {
			if (isMap(node)) yield* stringScalars((item as Pair).value);
			else yield* stringScalars(item);
		}
	}
}

/** What each node of a freshly parsed document holds, to tell later which ones an edit left alone. */
export function snapshot(doc: Document): Map<unknown, string> {
	const seen = new Map<unknown, string>();
	const visit = (node: unknown): void => {
		if (!isNode(node)) return;
		seen.set(node, fingerprint(node));
		if (isMap(node)) for (const pair of node.items) visit(pair.value);
		else if (isSeq(node)) for (const item of node.items) visit(item);
	};
	visit(doc.contents);
	return seen;
}

function fingerprint(node: Node): string {
	return JSON.stringify([node.toJSON(), isMap(node) || isSeq(node) ? node.flow : null]);
}

/**
 * The edited document as text, with every node the edit left alone copied from the original source
 * rather than re-printed: the `yaml` printer normalises spacing inside flow collections, indentation
 * and the like, and an edit of one step should not reformat the others.
 */
export function printPreserving(source: string, doc: Document, before: Map<unknown, string>): string {
	const text = doc.toString({ lineWidth: 0, flowCollectionPadding: false });
	const reprinted = parseDocument(text, { uniqueKeys: false });
	if (reprinted.errors.length) return text;
	const edits: Array<{ start: number; end: number; text: string }> = [];
	const walk = (edited: unknown, printed: unknown): void => {
		if (!isNode(edited) || !isNode(printed) || !edited.range || !printed.range) {
			if (isNode(edited) && isNode(printed)) descend(edited, printed);
			return;
		}
		if (before.get(edited) === fingerprint(edited)) {
			const original = source.slice(edited.range[0], edited.range[1]).trimEnd();
			const end = printed.range[0] + text.slice(printed.range[0], printed.range[1]).trimEnd().length;
			edits.push({ start: printed.range[0], end, text: reindent(original, columnOf(source, edited.range[0]), columnOf(text, printed.range[0])) });
			return;
		}
		descend(edited, printed);
	};
	const descend = (edited: Node, printed: Node): void => {
		if (isMap(edited) && isMap(printed)) edited.items.forEach((pair, i) => walk(pair.value, printed.items[i]?.value));
		else if (isSeq(edited) && isSeq(printed)) edited.items.forEach((item, i) => walk(item, printed.items[i]));
	};
	walk(doc.contents, reprinted.contents);
	let out = text;
	for (const edit of edits.sort((a, b) => b.start - a.start)) out = out.slice(0, edit.start) + edit.text + out.slice(edit.end);
	// A splice that somehow changed the meaning is not worth keeping: fall back to the plain print.
	const check = parseDocument(out, { uniqueKeys: false });
	return !check.errors.length && sameJson(check.toJSON(), reprinted.toJSON()) ? out : text;
}

function columnOf(text: string, offset: number): number {
	return offset - (text.lastIndexOf('\n', offset - 1) + 1);
}

/** Moves every line after the first by the difference between where the node started and where it starts now. */
function reindent(text: string, from: number, to: number): string {
	if (from === to || !text.includes('\n')) return text;
	const shift = to - from;
	return text
		.split('\n')
		.map((line, i) => {
			if (i === 0 || !line) return line;
			if (shift > 0) return ' '.repeat(shift) + line;
			const spaces = line.length - line.trimStart().length;
			return line.slice(Math.min(spaces, -shift));
		})
		.join('\n');
}
