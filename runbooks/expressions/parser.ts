import type { ComparisonOperator, Expression, PathExpression, Segment } from './ast.ts';
import { ROOTS, type Root } from './context.ts';
import { ExpressionError } from './error.ts';
import { describe, tokenize, type Token } from './lexer.ts';

const MAX_DEPTH = 64;

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
