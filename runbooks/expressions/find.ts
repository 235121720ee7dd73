/** Static analysis for validation: what each expression in a runbook reads, without running it. */

import type { Segment } from './ast.ts';
import type { Root } from './context.ts';
import { ExpressionError } from './error.ts';
import { expressionPaths, parseExpression } from './parser.ts';
import { scanExpressions } from './scan.ts';

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
