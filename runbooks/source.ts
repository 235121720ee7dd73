import { isMap, isNode, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import { findUnsafeInput, MAX_NESTING } from './input-safety.ts';

/**
 * A YAML (or JSON — JSON is YAML) source parsed with its positions kept, so that every problem
 * found later, by path, can be pointed at by line and column.
 */
export type Path = (string | number)[];

export interface Position {
	line: number;
	column: number;
}

/** One problem a user can act on, before it is given its line and column. */
export interface Finding {
	path: Path;
	message: string;
	/** Point at the key rather than its value (an unknown or misspelt field). */
	key?: boolean;
	/** Point inside a string at an expression: where the `${{ … }}` text starts, and the offset of the problem in the string. */
	expression?: { text: string; start: number; offset: number };
}

export interface ParsedSource {
	/** The plain data, or undefined when the source is not YAML. */
	value: unknown;
	syntax: Array<{ path: Path; message: string; position: Position }>;
	locate(finding: Finding): Position;
}

const START: Position = { line: 1, column: 1 };

export function parseSource(source: string): ParsedSource {
	const tooDeep = deepFlowAt(source);
	if (tooDeep !== undefined) {
		// The YAML composer recurses per level: a document of ten thousand `[` must not reach it.
		const position = lineAndColumn(source, tooDeep);
		return { value: undefined, syntax: [{ path: [], message: NESTING_MESSAGE, position }], locate: () => position };
	}
	const lineCounter = new LineCounter();
	const doc = parseDocument(source, { lineCounter, prettyErrors: false, uniqueKeys: true, logLevel: 'error' });
	const at = (offset: number): Position => {
		const { line, col } = lineCounter.linePos(Math.max(0, Math.min(offset, source.length)));
		return { line, column: col };
	};
	const syntax = doc.errors.map((error) => ({ path: pathAt(doc, error.pos[0]), message: error.message.split('\n')[0], position: at(error.pos[0]) }));
	let value: unknown;
	if (!syntax.length) {
		try {
			value = doc.toJS({ maxAliasCount: 100 });
		} catch (error) {
			// toJS refuses alias bombs and aliases to missing anchors; both are the author's to fix.
			syntax.push({ path: [], message: (error as Error).message, position: START });
		}
	}
	const locateIn = (finding: Finding) => locate(doc, source, finding, at);
	if (!syntax.length) {
		// NUL, lone surrogates, prototype keys, deep nesting: refused here, at their line, for every kind of document.
		// A runbook's input names are looked up as own keys, so `constructor` may name one.
		const unsafe = findUnsafeInput(value, { namesAt: ['spec.inputs'] });
		for (const finding of unsafe) syntax.push({ path: finding.path, message: finding.message, position: locateIn(finding) });
		if (unsafe.length) value = undefined;
	}
	return { value, syntax, locate: locateIn };
}

const NESTING_MESSAGE = `nests too deep: objects and lists may be at most ${MAX_NESTING} levels deep`;
/**
 * Flow collections (`[`, `{`) opened and not yet closed, counted without reading quotes (a bracket
 * in a string is rarely left unmatched), so the bound sits well above MAX_NESTING, which the
 * parsed value is held to, and well below the depth at which the YAML composer would overflow. Block nesting needs indentation that
 * grows with each level, so the size limit on documents already bounds it.
 */
const MAX_FLOW_BRACKETS = 4 * MAX_NESTING;

/** The offset of the bracket that opens one flow collection too many, or undefined. */
function deepFlowAt(source: string): number | undefined {
	let open = 0;
	for (let i = 0; i < source.length; i++) {
		const c = source.charCodeAt(i);
		if (c === 0x5b || c === 0x7b) {
			if (++open > MAX_FLOW_BRACKETS) return i;
		} else if ((c === 0x5d || c === 0x7d) && open > 0) open--;
	}
	return undefined;
}

function lineAndColumn(source: string, offset: number): Position {
	let line = 1;
	let lineStart = 0;
	for (let i = source.indexOf('\n'); i >= 0 && i < offset; i = source.indexOf('\n', i + 1)) {
		line++;
		lineStart = i + 1;
	}
	return { line, column: offset - lineStart + 1 };
}

/** The deepest node holding `offset`, as a path: where a syntax error is, in the terms of the document. */
function pathAt(doc: Document, offset: number): Path {
	const path: Path = [];
	let node: unknown = doc.contents;
	for (;;) {
		if (isMap(node)) {
			const pair = node.items.find((p) => within(p.value, offset) || within(p.key, offset));
			if (!pair || !isScalar(pair.key)) return path;
			path.push(String(pair.key.value));
			if (!within(pair.value, offset)) return path;
			node = pair.value;
		} else if (isSeq(node)) {
			const index = node.items.findIndex((item) => within(item, offset));
			if (index < 0) return path;
			path.push(index);
			node = node.items[index];
		} else return path;
	}
}

function within(node: unknown, offset: number): boolean {
	return isNode(node) && !!node.range && node.range[0] <= offset && offset <= node.range[1];
}

function locate(doc: Document, source: string, finding: Finding, at: (offset: number) => Position): Position {
	const { path } = finding;
	if (finding.key && path.length) {
		const parent = doc.getIn(path.slice(0, -1), true);
		if (isMap(parent)) {
			const pair = parent.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(path.at(-1)));
			if (pair && isNode(pair.key) && pair.key.range) return at(pair.key.range[0]);
		}
	}
	for (let depth = path.length; depth >= 0; depth--) {
		const node = doc.getIn(path.slice(0, depth), true) as Node | undefined;
		if (!isNode(node) || !node.range) continue;
		if (depth === path.length && finding.expression && isScalar(node)) return at(expressionOffset(source, node, finding.expression));
		return at(node.range[0]);
	}
	return START;
}

/**
 * Where in the source an expression inside a scalar is. The expression's text is searched for in
 * the scalar's raw source (quotes, escapes and folding can shift offsets, but rarely inside an
 * expression); when it cannot be found verbatim, the scalar's start is the best answer.
 */
function expressionOffset(source: string, node: Node, expression: NonNullable<Finding['expression']>): number {
	const [start, end] = node.range!;
	const raw = source.slice(start, end);
	const value = isScalar(node) ? String(node.value) : '';
	let occurrence = 0;
	for (let i = value.indexOf(expression.text); i >= 0 && i < expression.start; i = value.indexOf(expression.text, i + 1)) occurrence++;
	let index = -1;
	for (let n = 0; n <= occurrence; n++) {
		index = raw.indexOf(expression.text, index + 1);
		if (index < 0) return start;
	}
	return start + index + (expression.offset - expression.start);
}
