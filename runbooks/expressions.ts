/**
 * `${{ }}` expressions (DESIGN §3): paths into the run's context (`a.b`, `a[0]`, `a['odd key']`),
 * literals (strings, numbers, true, false, null), comparisons (== != < <= > >=), `!`, `&&`, `||`
 * and parentheses. The text is parsed by hand into a small tree that is evaluated by walking plain
 * data — never eval or Function — and nothing here touches the clock, randomness or Node built-ins:
 * this module runs inside Temporal's workflow sandbox, where the same run must give the same value
 * on every replay.
 */

export interface ExpressionContext {
	inputs: Record<string, unknown>;
	steps: Record<string, { outputs: Record<string, unknown> }>;
	target: Record<string, unknown>;
	run: Record<string, unknown>;
	/** The element a `forEach` step is working on. */
	item?: unknown;
}

export const ROOTS = ['inputs', 'steps', 'target', 'run', 'item'] as const;
export type Root = (typeof ROOTS)[number];

/** What the interpreter puts under `target` and `run`; validation refuses other names there. */
export const CONTEXT_FIELDS = {
	target: ['name', 'title', 'urls'],
	run: ['id', 'runbook', 'version', 'initiator']
} as const;

export class ExpressionError extends Error {
	override name = 'ExpressionError';
	/** Where the problem is, counted in characters from the start of the text that was parsed. */
	readonly offset: number;
	constructor(message: string, offset = 0) {
		super(message);
		this.offset = offset;
	}
}

export type Segment = string | number;
export type ComparisonOperator = '==' | '!=' | '<' | '<=' | '>' | '>=';

/** A parsed expression. `start`/`end` are offsets into the text it was parsed from. */
export type Expression =
	| { type: 'literal'; value: string | number | boolean | null; start: number; end: number }
	| { type: 'path'; root: Root; segments: Segment[]; start: number; end: number }
	| { type: 'not'; operand: Expression; start: number; end: number }
	| { type: 'logical'; operator: '&&' | '||'; left: Expression; right: Expression; start: number; end: number }
	| { type: 'compare'; operator: ComparisonOperator; left: Expression; right: Expression; start: number; end: number };

export type PathExpression = Extract<Expression, { type: 'path' }>;

// ---------------------------------------------------------------------------------------------
// Where expressions are in a string

export interface ExpressionSpan {
	/** Offset of `${{` in the string. */
	start: number;
	/** Offset just past `}}`. */
	end: number;
	/** The text between `${{` and `}}`, and its offset in the string. */
	body: string;
	bodyStart: number;
	/** Set when the span never closes; `end` is then the string's length. */
	error?: ExpressionError;
}

/** Finds every `${{ … }}` in `text`. A `}}` inside a quoted literal does not close the expression. */
export function scanExpressions(text: string): ExpressionSpan[] {
	const spans: ExpressionSpan[] = [];
	let from = 0;
	for (;;) {
		const start = text.indexOf('${{', from);
		if (start < 0) return spans;
		const bodyStart = start + 3;
		let i = bodyStart;
		let closed = false;
		while (i < text.length) {
			const c = text[i];
			if (c === "'" || c === '"') {
				i = quotedEnd(text, i) ?? text.length;
				continue;
			}
			if (c === '}' && text[i + 1] === '}') {
				closed = true;
				break;
			}
			i++;
		}
		if (!closed) {
			spans.push({ start, end: text.length, body: text.slice(bodyStart), bodyStart, error: new ExpressionError('this ${{ is never closed with }}', start) });
			return spans;
		}
		spans.push({ start, end: i + 2, body: text.slice(bodyStart, i), bodyStart });
		from = i + 2;
	}
}

/** The offset just past the quoted literal opening at `i`, or undefined when it never closes. */
function quotedEnd(text: string, i: number): number | undefined {
	const quote = text[i];
	let j = i + 1;
	while (j < text.length) {
		if (quote === '"' && text[j] === '\\') j += 2;
		else if (text[j] === quote) {
			if (quote === "'" && text[j + 1] === "'") j += 2;
			else return j + 1;
		} else j++;
	}
	return undefined;
}

/** True when `text` is exactly one expression, so it stands for a value of any type. */
export function isSingleExpression(text: string): boolean {
	const spans = scanExpressions(text);
	return spans.length === 1 && spans[0].start === 0 && spans[0].end === text.length && !spans[0].error;
}

/** `text` with every expression replaced by `placeholder`: what is left is the part that can be checked before a run. */
export function replaceExpressions(text: string, placeholder: string): string {
	let out = '';
	let from = 0;
	for (const span of scanExpressions(text)) {
		out += text.slice(from, span.start) + placeholder;
		from = span.end;
	}
	return out + text.slice(from);
}

// ---------------------------------------------------------------------------------------------
// Tokens and the parser

type Token =
	| { kind: 'number'; value: number; start: number; end: number }
	| { kind: 'string'; value: string; start: number; end: number }
	| { kind: 'name'; value: string; start: number; end: number }
	| { kind: 'punct'; value: string; start: number; end: number }
	| { kind: 'end'; value: ''; start: number; end: number };

const NAME_START = /[A-Za-z_]/;
const NAME_PART = /[A-Za-z0-9_-]/;
const NUMBER = /^-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/;
const PUNCT = ['==', '!=', '<=', '>=', '&&', '||', '<', '>', '!', '(', ')', '.', '[', ']'];
const MAX_DEPTH = 64;

function tokenize(text: string, base: number): Token[] {
	const tokens: Token[] = [];
	let i = 0;
	while (i < text.length) {
		const c = text[i];
		if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
			i++;
			continue;
		}
		const start = base + i;
		if (c === "'" || c === '"') {
			const end = quotedEnd(text, i);
			if (end === undefined) throw new ExpressionError(`this string is never closed with ${c}`, start);
			tokens.push({ kind: 'string', value: unquote(text.slice(i, end), start), start, end: base + end });
			i = end;
			continue;
		}
		const number = c === '-' || (c >= '0' && c <= '9') ? NUMBER.exec(text.slice(i)) : null;
		if (number) {
			tokens.push({ kind: 'number', value: Number(number[0]), start, end: start + number[0].length });
			i += number[0].length;
			continue;
		}
		if (NAME_START.test(c)) {
			let j = i + 1;
			while (j < text.length && NAME_PART.test(text[j])) j++;
			tokens.push({ kind: 'name', value: text.slice(i, j), start, end: base + j });
			i = j;
			continue;
		}
		const punct = PUNCT.find((p) => text.startsWith(p, i));
		if (punct) {
			tokens.push({ kind: 'punct', value: punct, start, end: start + punct.length });
			i += punct.length;
			continue;
		}
		if (c === '=') throw new ExpressionError('use == to compare (= alone assigns, which expressions never do)', start);
		if (c === '&' || c === '|') throw new ExpressionError(`use ${c}${c} for ${c === '&' ? 'and' : 'or'}`, start);
		throw new ExpressionError(`unexpected character "${c}": expressions hold paths, literals, comparisons, !, && and || only`, start);
	}
	tokens.push({ kind: 'end', value: '', start: base + text.length, end: base + text.length });
	return tokens;
}

const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', '"': '"', "'": "'", '\\': '\\', '/': '/' };

function unquote(literal: string, start: number): string {
	const body = literal.slice(1, -1);
	if (literal[0] === "'") return body.replaceAll("''", "'");
	let out = '';
	for (let i = 0; i < body.length; i++) {
		if (body[i] !== '\\') {
			out += body[i];
			continue;
		}
		const escaped = ESCAPES[body[i + 1]];
		if (escaped === undefined) throw new ExpressionError(`unknown escape \\${body[i + 1] ?? ''} in a string`, start + 1 + i);
		out += escaped;
		i++;
	}
	return out;
}

class Parser {
	private index = 0;
	private depth = 0;
	constructor(private readonly tokens: Token[]) {}

	parse(): Expression {
		if (this.peek().kind === 'end') throw new ExpressionError('the expression is empty', this.peek().start);
		const expression = this.or();
		const next = this.peek();
		if (next.kind !== 'end') throw new ExpressionError(`unexpected ${describe(next)} after a complete expression`, next.start);
		return expression;
	}

	private peek(): Token {
		return this.tokens[this.index];
	}

	private take(): Token {
		return this.tokens[this.index++];
	}

	private accept(...values: string[]): Token | undefined {
		const next = this.peek();
		return next.kind === 'punct' && values.includes(next.value) ? this.take() : undefined;
	}

	private or(): Expression {
		let left = this.and();
		while (this.accept('||')) {
			const right = this.and();
			left = { type: 'logical', operator: '||', left, right, start: left.start, end: right.end };
		}
		return left;
	}

	private and(): Expression {
		let left = this.equality();
		while (this.accept('&&')) {
			const right = this.equality();
			left = { type: 'logical', operator: '&&', left, right, start: left.start, end: right.end };
		}
		return left;
	}

	private equality(): Expression {
		let left = this.comparison();
		for (let op = this.accept('==', '!='); op; op = this.accept('==', '!=')) {
			const right = this.comparison();
			left = { type: 'compare', operator: op.value as ComparisonOperator, left, right, start: left.start, end: right.end };
		}
		return left;
	}

	private comparison(): Expression {
		let left = this.unary();
		for (let op = this.accept('<', '<=', '>', '>='); op; op = this.accept('<', '<=', '>', '>=')) {
			const right = this.unary();
			left = { type: 'compare', operator: op.value as ComparisonOperator, left, right, start: left.start, end: right.end };
		}
		return left;
	}

	private unary(): Expression {
		const bang = this.accept('!');
		if (!bang) return this.primary();
		const operand = this.nested(() => this.unary(), bang);
		return { type: 'not', operand, start: bang.start, end: operand.end };
	}

	/** Bounds recursion, so a hostile `((((…` is an error message rather than a stack overflow. */
	private nested<T>(parse: () => T, at: Token): T {
		if (++this.depth > MAX_DEPTH) throw new ExpressionError(`the expression nests more than ${MAX_DEPTH} levels deep`, at.start);
		try {
			return parse();
		} finally {
			this.depth--;
		}
	}

	private primary(): Expression {
		const token = this.take();
		if (token.kind === 'number' || token.kind === 'string') return { type: 'literal', value: token.value, start: token.start, end: token.end };
		if (token.kind === 'punct' && token.value === '(') {
			const inner = this.nested(() => this.or(), token);
			const close = this.take();
			if (close.kind !== 'punct' || close.value !== ')') throw new ExpressionError(`expected ) to close the ( at ${token.start + 1}, found ${describe(close)}`, close.start);
			return inner;
		}
		if (token.kind === 'name') {
			if (token.value === 'true' || token.value === 'false') return { type: 'literal', value: token.value === 'true', start: token.start, end: token.end };
			if (token.value === 'null') return { type: 'literal', value: null, start: token.start, end: token.end };
			if (!(ROOTS as readonly string[]).includes(token.value))
				throw new ExpressionError(`"${token.value}" is not something an expression can read: a path must start with ${ROOTS.slice(0, -1).join(', ')} or ${ROOTS.at(-1)}`, token.start);
			return this.path(token);
		}
		throw new ExpressionError(token.kind === 'end' ? 'the expression ends where a value was expected' : `unexpected ${describe(token)} where a value was expected`, token.start);
	}

	private path(root: Token): PathExpression {
		const segments: Segment[] = [];
		let end = root.end;
		for (;;) {
			if (this.accept('.')) {
				const name = this.take();
				if (name.kind !== 'name') throw new ExpressionError(name.kind === 'number' ? 'use [n] to index a list, as in rows[0]' : `expected a name after ".", found ${describe(name)}`, name.start);
				segments.push(name.value);
				end = name.end;
			} else if (this.accept('[')) {
				const key = this.take();
				if (key.kind === 'number' && Number.isInteger(key.value) && key.value >= 0) segments.push(key.value);
				else if (key.kind === 'string') segments.push(key.value);
				else throw new ExpressionError(`expected an index such as [0] or a quoted key, found ${describe(key)}`, key.start);
				const close = this.take();
				if (close.kind !== 'punct' || close.value !== ']') throw new ExpressionError(`expected ], found ${describe(close)}`, close.start);
				end = close.end;
			} else break;
		}
		return { type: 'path', root: root.value as Root, segments, start: root.start, end };
	}
}

function describe(token: Token): string {
	if (token.kind === 'end') return 'the end of the expression';
	if (token.kind === 'string') return 'a string';
	if (token.kind === 'number') return `the number ${token.value}`;
	return `"${token.value}"`;
}

/** Parses the text between `${{` and `}}`. Offsets in the result and in errors are counted from `base`. */
export function parseExpression(body: string, base = 0): Expression {
	return new Parser(tokenize(body, base)).parse();
}

/** Every path an expression reads, in the order written. */
export function expressionPaths(expression: Expression): PathExpression[] {
	switch (expression.type) {
		case 'literal':
			return [];
		case 'path':
			return [expression];
		case 'not':
			return expressionPaths(expression.operand);
		default:
			return [...expressionPaths(expression.left), ...expressionPaths(expression.right)];
	}
}

/** Parses a bare path such as `steps.backup.outputs.backupId` into its parts, root first. */
export function parsePath(expression: string): Segment[] {
	const parsed = parseExpression(expression);
	if (parsed.type !== 'path') throw new ExpressionError(`"${expression}" is not a path such as steps.backup.outputs.backupId`, parsed.start);
	return [parsed.root, ...parsed.segments];
}

// ---------------------------------------------------------------------------------------------
// Evaluation

/** JavaScript's truthiness over plain data: false, 0, NaN, '', null and a missing value are false. */
export function truthy(value: unknown): boolean {
	return !(value === false || value === 0 || value === '' || value === null || value === undefined || (typeof value === 'number' && Number.isNaN(value)));
}

function read(value: unknown, key: Segment): unknown {
	// Own properties only: `inputs.constructor` or `__proto__` must not reach into the prototype chain.
	if (value === null || typeof value !== 'object' || !Object.prototype.hasOwnProperty.call(value, key)) return undefined;
	return (value as Record<Segment, unknown>)[key];
}

const NUMERIC = /^-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?$/;

/** Numbers and numeric strings meet as numbers: PostgreSQL hands bigint and numeric columns over as text. */
function asNumber(value: unknown): number | undefined {
	if (typeof value === 'number') return value;
	if (typeof value === 'string' && NUMERIC.test(value.trim())) return Number(value);
	return undefined;
}

function equal(a: unknown, b: unknown): boolean {
	const left = a === undefined ? null : a;
	const right = b === undefined ? null : b;
	if (left === right) return true;
	if (typeof left === 'number' || typeof right === 'number') {
		const x = asNumber(left);
		const y = asNumber(right);
		return x !== undefined && y !== undefined && x === y;
	}
	if (left === null || right === null || typeof left !== 'object' || typeof right !== 'object') return false;
	if (Array.isArray(left) !== Array.isArray(right)) return false;
	const keys = Object.keys(left);
	if (keys.length !== Object.keys(right).length) return false;
	return keys.every((key) => Object.prototype.hasOwnProperty.call(right, key) && equal(read(left, key), read(right, key)));
}

/** Two strings compare by code unit (never by locale, which differs between machines); otherwise both must be numbers. */
function order(operator: '<' | '<=' | '>' | '>=', a: unknown, b: unknown): boolean {
	let sign: number;
	if (typeof a === 'string' && typeof b === 'string') sign = a < b ? -1 : a > b ? 1 : 0;
	else {
		const x = asNumber(a);
		const y = asNumber(b);
		if (x === undefined || y === undefined || (typeof a !== 'number' && typeof b !== 'number') || Number.isNaN(x) || Number.isNaN(y)) return false;
		sign = x < y ? -1 : x > y ? 1 : 0;
	}
	if (operator === '<') return sign < 0;
	if (operator === '<=') return sign <= 0;
	if (operator === '>') return sign > 0;
	return sign >= 0;
}

/** Evaluates a parsed expression against the run's context. Never throws: a missing value reads as undefined. */
export function evaluate(expression: Expression, context: ExpressionContext): unknown {
	switch (expression.type) {
		case 'literal':
			return expression.value;
		case 'path': {
			let value: unknown = read(context, expression.root);
			for (const key of expression.segments) value = read(value, key);
			return value;
		}
		case 'not':
			return !truthy(evaluate(expression.operand, context));
		case 'logical': {
			const left = evaluate(expression.left, context);
			if (expression.operator === '&&') return truthy(left) ? evaluate(expression.right, context) : left;
			return truthy(left) ? left : evaluate(expression.right, context);
		}
		case 'compare': {
			const left = evaluate(expression.left, context);
			const right = evaluate(expression.right, context);
			if (expression.operator === '==') return equal(left, right);
			if (expression.operator === '!=') return !equal(left, right);
			return order(expression.operator, left, right);
		}
	}
}

function asText(value: unknown): string {
	if (value === undefined || value === null) return '';
	return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

/**
 * A string that is exactly one expression keeps the value's type; expressions embedded in longer
 * text are interpolated as strings. Throws ExpressionError for text that does not parse.
 */
export function evaluateString(text: string, context: ExpressionContext): unknown {
	const spans = scanExpressions(text);
	if (spans.length === 0) return text;
	for (const span of spans) if (span.error) throw span.error;
	if (spans.length === 1 && spans[0].start === 0 && spans[0].end === text.length) return evaluate(parseExpression(spans[0].body, spans[0].bodyStart), context);
	let out = '';
	let from = 0;
	for (const span of spans) {
		out += text.slice(from, span.start) + asText(evaluate(parseExpression(span.body, span.bodyStart), context));
		from = span.end;
	}
	return out + text.slice(from);
}

/** Resolves every expression inside `value` (strings, arrays, objects), returning new data. */
export function resolveExpressions<T>(value: T, context: ExpressionContext): T {
	if (typeof value === 'string') return evaluateString(value, context) as T;
	if (Array.isArray(value)) return value.map((item) => resolveExpressions(item, context)) as T;
	if (value && typeof value === 'object') {
		return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveExpressions(v, context)])) as T;
	}
	return value;
}

// ---------------------------------------------------------------------------------------------
// Static analysis, for validation

export interface FoundExpression {
	/** Where the string holding the expression is, inside the value searched. */
	path: Segment[];
	/** The root the reference reads, or 'invalid' when the expression does not parse. */
	root: Root | 'invalid';
	/** The first segment after the root (an input or step name); for an invalid expression, the error message. */
	name?: string;
	/** Every segment after the root. */
	segments: Segment[];
	/** The whole `${{ … }}` text, and where it starts in the string. */
	text: string;
	start: number;
	/** Where in the string the reference (or the error) is. */
	offset: number;
	error?: ExpressionError;
}

/** Every expression in `value` with where it is and what it reads: one entry per path read, or one per expression that does not parse. */
export function findExpressions(value: unknown, path: Segment[] = []): FoundExpression[] {
	if (typeof value === 'string') return findInString(value, path);
	if (Array.isArray(value)) return value.flatMap((item, i) => findExpressions(item, [...path, i]));
	if (value && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => findExpressions(v, [...path, k]));
	return [];
}

function findInString(text: string, path: Segment[]): FoundExpression[] {
	const found: FoundExpression[] = [];
	for (const span of scanExpressions(text)) {
		const where = { path, text: text.slice(span.start, span.end), start: span.start };
		try {
			if (span.error) throw span.error;
			for (const ref of expressionPaths(parseExpression(span.body, span.bodyStart))) {
				found.push({ ...where, root: ref.root, name: ref.segments[0] === undefined ? undefined : String(ref.segments[0]), segments: ref.segments, offset: ref.start });
			}
		} catch (error) {
			if (!(error instanceof ExpressionError)) throw error;
			found.push({ ...where, root: 'invalid', name: error.message, segments: [], offset: error.offset, error });
		}
	}
	return found;
}
