/** Where `${{ … }}` expressions are in a string; what is inside them is left to the parser. */

import { ExpressionError } from './error.ts';
import { quotedEnd } from './lexer.ts';

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
