import { evaluate, expressionPaths, parseExpression, scanExpressions, type ExpressionContext, type PathExpression } from './expressions.ts';

/**
 * How a dry run renders `${{ }}` in `with`, `if` and `forEach.items`: the value when the simulation
 * knows it, else a placeholder such as `<output of backup.backupId>` for what only a run knows.
 */
export interface Simulation {
	context: ExpressionContext;
	/** Steps that succeeded, with the outputs whose values the simulation knows. */
	known: Map<string, Set<string>>;
}

/** The interpreter's truthiness for `if` (workflows/step-calls.ts isTruthy): the text 'false' is false too. */
function isTruthy(value: unknown): boolean {
	return !(value === false || value === 'false' || value === 0 || value === '' || value === null || value === undefined);
}

/** Whether a path reads something the simulation knows (an input, the runbook's name, an implied output, or a step that never gave outputs). */
function readable(path: PathExpression, simulation: Simulation): boolean {
	if (path.root === 'inputs') return true;
	if (path.root === 'run') return path.segments[0] !== undefined && Object.hasOwn(simulation.context.run, String(path.segments[0]));
	if (path.root !== 'steps') return false;
	const [stepId, outputs, name] = path.segments;
	const known = simulation.known.get(String(stepId));
	if (!known) return true;
	return outputs === 'outputs' && name !== undefined && known.has(String(name));
}

function placeholder(path: PathExpression, body: string): string {
	const [stepId, outputs, ...rest] = path.segments;
	if (path.root === 'steps' && outputs === 'outputs' && rest.length) return `<output of ${String(stepId)}.${rest.map(String).join('.')}>`;
	if (path.root === 'steps' && outputs === 'outputs') return `<outputs of ${String(stepId)}>`;
	return `<${body.trim()}>`;
}

/** One `${{ }}` body: its value when the simulation knows it, else what stands in for it. */
function resolveBody(body: string, simulation: Simulation): { known: true; value: unknown } | { known: false; text: string } {
	let parsed;
	try {
		parsed = parseExpression(body);
	} catch {
		return { known: false, text: `<${body.trim()}>` };
	}
	const paths = expressionPaths(parsed);
	if (paths.every((p) => readable(p, simulation))) return { known: true, value: evaluate(parsed, simulation.context) };
	return { known: false, text: parsed.type === 'path' ? placeholder(parsed, body) : `<${body.trim()}>` };
}

function asText(value: unknown): string {
	if (value === undefined || value === null) return '';
	return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

export function resolveText(text: string, simulation: Simulation): unknown {
	const spans = scanExpressions(text);
	if (!spans.length || spans.some((s) => s.error)) return text;
	if (spans.length === 1 && spans[0].start === 0 && spans[0].end === text.length) {
		const one = resolveBody(spans[0].body, simulation);
		return one.known ? one.value : one.text;
	}
	let out = '';
	let from = 0;
	for (const span of spans) {
		const part = resolveBody(span.body, simulation);
		out += text.slice(from, span.start) + (part.known ? asText(part.value) : part.text);
		from = span.end;
	}
	return out + text.slice(from);
}

export function resolveValue(value: unknown, simulation: Simulation): unknown {
	if (typeof value === 'string') return resolveText(value, simulation);
	if (Array.isArray(value)) return value.map((item) => resolveValue(item, simulation));
	if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveValue(v, simulation)]));
	return value;
}

export function resolveWith(params: Record<string, unknown>, uses: string, simulation: Simulation): Record<string, unknown> {
	// An approval's `show` holds paths to read as evidence, not templates (workflows/runbook-run.ts describeApproval).
	if (uses !== 'approval' || !('show' in params)) return resolveValue(params, simulation) as Record<string, unknown>;
	const { show, ...rest } = params;
	return { ...(resolveValue(rest, simulation) as Record<string, unknown>), show };
}

export function conditionOf(text: string, simulation: Simulation): boolean | 'run_time' {
	const spans = scanExpressions(text);
	if (spans.some((s) => s.error)) return 'run_time';
	const value = resolveText(text, simulation);
	const unknown = spans.some((span) => !resolveBody(span.body, simulation).known);
	return unknown ? 'run_time' : isTruthy(value);
}
