/**
 * `${{ }}` expressions (DESIGN §3), first version: dotted paths with `[n]` indexes into the
 * run's context. Evaluated by walking plain data — never eval — so it is deterministic and safe
 * inside workflow code. A string that is exactly one expression keeps the value's type.
 */
export interface ExpressionContext {
	inputs: Record<string, unknown>;
	steps: Record<string, { outputs: Record<string, unknown> }>;
	target: Record<string, unknown>;
	run: Record<string, unknown>;
}

const EXPRESSION = /\$\{\{\s*(.*?)\s*\}\}/g;
const WHOLE = /^\$\{\{\s*(.*?)\s*\}\}$/;
const SEGMENT = /^([A-Za-z_][\w-]*)((?:\[\d+\])*)$/;
const ROOTS = new Set(['inputs', 'steps', 'target', 'run']);

export class ExpressionError extends Error {
	override name = 'ExpressionError';
}

export function parsePath(expression: string): (string | number)[] {
	const path: (string | number)[] = [];
	for (const part of expression.split('.')) {
		const match = SEGMENT.exec(part);
		if (!match) throw new ExpressionError(`"${expression}" is not a path such as steps.backup.outputs.backupId`);
		path.push(match[1]);
		for (const index of match[2].matchAll(/\[(\d+)\]/g)) path.push(Number(index[1]));
	}
	if (!ROOTS.has(String(path[0]))) throw new ExpressionError(`"${expression}" must start with inputs, steps, target or run`);
	return path;
}

function lookup(context: ExpressionContext, expression: string): unknown {
	let value: unknown = context;
	for (const key of parsePath(expression)) {
		if (value === null || typeof value !== 'object') return undefined;
		value = (value as Record<string | number, unknown>)[key];
	}
	return value;
}

export function evaluateString(text: string, context: ExpressionContext): unknown {
	const whole = WHOLE.exec(text);
	if (whole && !whole[1].includes('}}')) return lookup(context, whole[1]);
	return text.replace(EXPRESSION, (_, expression: string) => {
		const value = lookup(context, expression);
		return value === undefined || value === null ? '' : typeof value === 'object' ? JSON.stringify(value) : String(value);
	});
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

/** Every expression in `value`, with where it is and which input or step it reads: for validation. */
export function findExpressions(value: unknown, path: (string | number)[] = []): Array<{ path: (string | number)[]; root: string; name?: string }> {
	if (typeof value === 'string') {
		return [...value.matchAll(EXPRESSION)].map((match) => {
			try {
				const parsed = parsePath(match[1]);
				return { path, root: String(parsed[0]), name: parsed[1] === undefined ? undefined : String(parsed[1]) };
			} catch (error) {
				return { path, root: 'invalid', name: (error as Error).message };
			}
		});
	}
	if (Array.isArray(value)) return value.flatMap((item, i) => findExpressions(item, [...path, i]));
	if (value && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => findExpressions(v, [...path, k]));
	return [];
}
