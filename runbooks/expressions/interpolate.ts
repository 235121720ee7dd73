import type { ExpressionContext } from './context.ts';
import { evaluate } from './evaluate.ts';
import { parseExpression } from './parser.ts';
import { scanExpressions } from './scan.ts';

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
