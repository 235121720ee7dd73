import { FOR_EACH_OUTPUTS, STEP_TYPE_BY_USES, STEP_TYPES } from './catalog.ts';
import { CONTEXT_FIELDS, ExpressionError, findExpressions, isSingleExpression, parseExpression, type FoundExpression } from './expressions.ts';
import { stepGraph, type StepGraph } from './graph.ts';
import { describeIssues } from './issues.ts';
import type { RunbookDocument, RunbookStep } from './schema.ts';
import type { Finding, Path } from './source.ts';
import { isOneStatementStep, oneStatementProblem } from './sql-one-statement.ts';
import { closest, suggestion } from './suggest.ts';

/** What the caller knows about the world the runbook will run in; each list is checked only when given. */
export interface RunbookContext {
	targets?: readonly string[];
	windows?: readonly string[];
}

/** Where an expression is, which decides what it may read. */
interface Scope {
	step: number;
	/** Computed only when an expression reads another step: most steps never ask. */
	upstream(): Set<number>;
	/** A rollback runs after its step, so it may read that step's outputs. */
	self: boolean;
	/** Inside a forEach step's `with`, `item` is the element at hand. */
	item: boolean;
}

/**
 * Checks what the document schema alone cannot: step types and their `with`, ids, `needs` and
 * its cycles, and what every expression reads — inputs that exist, outputs the step type
 * declares, steps that finish before the reader starts.
 */
export function validateRunbook(runbook: RunbookDocument, context: RunbookContext = {}): Finding[] {
	const findings: Finding[] = [];
	const { spec } = runbook;
	const steps = spec.steps;
	const at = (i: number, ...rest: Path): Path => ['spec', 'steps', i, ...rest];

	if (context.targets && spec.target !== undefined && !context.targets.includes(spec.target))
		findings.push({ path: ['spec', 'target'], message: `no target named "${spec.target}" is registered${suggestion(spec.target, context.targets, 'registered targets')}` });
	if (context.windows && spec.window !== undefined && !context.windows.includes(spec.window))
		findings.push({ path: ['spec', 'window'], message: `no window named "${spec.window}" is defined${suggestion(spec.window, context.windows, 'defined windows')}` });

	steps.forEach((step, i) => {
		findings.push(...checkUses(step.uses, step.with, at(i)));
		if (step.rollback) findings.push(...checkUses(step.rollback.uses, step.rollback.with, at(i, 'rollback')));
	});

	const ids = steps.map((s) => s.id);
	const known = new Set(ids);
	const first = new Map<string, number>();
	steps.forEach((step, i) => {
		const earlier = first.get(step.id);
		if (earlier !== undefined) findings.push({ path: at(i, 'id'), message: `duplicate step id "${step.id}" (first used by steps[${earlier}])` });
		else first.set(step.id, i);
		const seen = new Set<string>();
		step.needs?.forEach((need, n) => {
			if (!known.has(need)) findings.push({ path: at(i, 'needs', n), message: `needs unknown step "${need}"${suggestion(need, ids, 'steps')}` });
			else if (seen.has(need)) findings.push({ path: at(i, 'needs', n), message: `needs "${need}" twice` });
			seen.add(need);
		});
	});

	const graph = stepGraph(steps);
	for (const cycle of graph.cycles) {
		const names = cycle.steps.map((s) => steps[s].id).join(' → ');
		findings.push({
			path: at(cycle.at.step, 'needs', cycle.at.need),
			message: `needs form a cycle: ${names}${cycle.implicit ? ' (a step without needs follows the one listed before it)' : ''}`
		});
	}

	steps.forEach((step, i) => {
		const scope: Scope = { step: i, upstream: () => graph.upstream(i), self: false, item: false };
		const check = (value: unknown, path: Path, s: Scope) => findings.push(...checkExpressions(findExpressions(value, path), s, runbook, graph));
		check(step.with, at(i, 'with'), { ...scope, item: step.forEach !== undefined });
		if (step.if !== undefined) {
			check(step.if, at(i, 'if'), scope);
			if (!isSingleExpression(step.if) && findExpressions(step.if).every((f) => f.root !== 'invalid'))
				findings.push({ path: at(i, 'if'), message: 'must be exactly one ${{ }} expression, such as ${{ steps.check.outputs.ok }}: any other text is always true' });
		}
		if (typeof step.forEach?.items === 'string') check(step.forEach.items, at(i, 'forEach', 'items'), scope);
		if (step.rollback) check(step.rollback.with, at(i, 'rollback', 'with'), { ...scope, self: true, item: step.forEach !== undefined });
		findings.push(...checkStepSpecifics(step, at(i), { ...scope, item: step.forEach !== undefined }, runbook, graph, context));
	});
	findings.push(...validateFinally(runbook, context));
	return findings;
}

/** Step types a finally step may not be: a person cannot be waited for once the run has ended. */
const NOT_FINALLY = new Set(['approval', 'manual', 'runbook']);

/**
 * `spec.finally`: the same checks as the steps, where every step of the run counts as upstream (a
 * finally step may read any step's outputs, though a step that did not succeed has none) and the
 * finally steps chain among themselves. They run without approval, so none may be high risk.
 */
function validateFinally(runbook: RunbookDocument, context: RunbookContext): Finding[] {
	const after = runbook.spec.finally ?? [];
	if (!after.length) return [];
	const findings: Finding[] = [];
	const main = runbook.spec.steps;
	const at = (i: number, ...rest: Path): Path => ['spec', 'finally', i, ...rest];
	const mainIds = new Set(main.map((s) => s.id));
	const finallyIds = after.map((s) => s.id);
	after.forEach((step, i) => {
		findings.push(...checkUses(step.uses, step.with, at(i)));
		if (mainIds.has(step.id) || finallyIds.indexOf(step.id) < i) findings.push({ path: at(i, 'id'), message: `duplicate step id "${step.id}": finally steps need ids of their own` });
		if (NOT_FINALLY.has(step.uses)) findings.push({ path: at(i, 'uses'), message: `a finally step cannot be ${step.uses}: it runs after the run has ended, when nobody is asked any more` });
		else if ((step.risk ?? STEP_TYPE_BY_USES.get(step.uses)?.defaultRisk) === 'high') findings.push({ path: at(i, 'risk'), message: 'a finally step runs without approval, so it cannot be high risk' });
		if (step.rollback) findings.push({ path: at(i, 'rollback'), message: 'a finally step has nothing to roll back into: the run has already ended' });
		step.needs?.forEach((need, n) => {
			if (!finallyIds.includes(need)) findings.push({ path: at(i, 'needs', n), message: `needs unknown finally step "${need}"${suggestion(need, finallyIds, 'finally steps')}` });
		});
	});
	const graph = stepGraph(after);
	for (const cycle of graph.cycles) findings.push({ path: at(cycle.at.step, 'needs', cycle.at.need), message: `needs form a cycle: ${cycle.steps.map((s) => after[s].id).join(' → ')}` });
	// Expressions are checked against the run's steps followed by the finally steps.
	const combined: RunbookDocument = { ...runbook, spec: { ...runbook.spec, steps: [...main, ...after] } };
	const combinedGraph = stepGraph(combined.spec.steps);
	after.forEach((step, i) => {
		const index = main.length + i;
		const upstream = new Set([...main.keys(), ...[...graph.upstream(i)].map((u) => main.length + u)]);
		const scope: Scope = { step: index, upstream: () => upstream, self: false, item: step.forEach !== undefined };
		findings.push(...checkExpressions(findExpressions(step.with, at(i, 'with')), scope, combined, combinedGraph));
		if (step.if !== undefined) findings.push(...checkExpressions(findExpressions(step.if, at(i, 'if')), { ...scope, item: false }, combined, combinedGraph));
		findings.push(...checkStepSpecifics(step, at(i), scope, combined, combinedGraph, context));
	});
	return findings;
}

function checkUses(uses: string, withValue: Record<string, unknown>, path: Path): Finding[] {
	const type = STEP_TYPE_BY_USES.get(uses);
	if (!type) {
		return [{ path: [...path, 'uses'], message: `unknown step type "${uses}"; the closest known types are ${closest(uses, STEP_TYPES.map((t) => t.uses)).join(', ')}` }];
	}
	const findings: Finding[] = [];
	if (!type.available) findings.push({ path: [...path, 'uses'], message: `step type "${uses}" is not available yet` });
	const parsed = type.withSchema.safeParse(withValue);
	if (!parsed.success) findings.push(...describeIssues(parsed.error.issues, type.withSchema, [...path, 'with'], withValue));
	if (isOneStatementStep(uses) && typeof withValue.query === 'string') {
		const problem = oneStatementProblem(uses, withValue.query);
		if (problem) findings.push({ path: [...path, 'with', 'query'], message: problem });
	}
	return findings;
}

/** Checks that belong to one step type: evidence an approval shows, the window a wait names, a child runbook. */
function checkStepSpecifics(step: RunbookStep, path: Path, scope: Scope, runbook: RunbookDocument, graph: StepGraph, context: RunbookContext): Finding[] {
	const findings: Finding[] = [];
	const value = step.with;
	if (step.uses === 'approval' && Array.isArray(value.show)) {
		value.show.forEach((entry, k) => {
			if (typeof entry !== 'string' || entry.includes('${{')) return;
			const where: Path = [...path, 'with', 'show', k];
			try {
				const parsed = parseExpression(entry);
				if (parsed.type !== 'path') findings.push({ path: where, message: 'must be a path such as steps.dedupe.outputs' });
				else
					findings.push(
						...checkExpressions([{ path: where, root: parsed.root, name: parsed.segments[0]?.toString(), segments: parsed.segments, text: entry, start: 0, offset: parsed.start }], scope, runbook, graph)
					);
			} catch (error) {
				if (!(error instanceof ExpressionError)) throw error;
				findings.push({ path: where, message: `${error.message} (in ${entry})`, expression: { text: entry, start: 0, offset: error.offset } });
			}
		});
	}
	if (step.uses === 'wait' && context.windows && typeof value.window === 'string' && !value.window.includes('${{') && !context.windows.includes(value.window))
		findings.push({ path: [...path, 'with', 'window'], message: `no window named "${value.window}" is defined${suggestion(value.window, context.windows, 'defined windows')}` });
	if (step.uses === 'runbook' && value.name === runbook.metadata.name) findings.push({ path: [...path, 'with', 'name'], message: 'a runbook cannot run itself as a child' });
	return findings;
}

function checkExpressions(found: FoundExpression[], scope: Scope, runbook: RunbookDocument, graph: StepGraph): Finding[] {
	const findings: Finding[] = [];
	for (const ref of found) {
		const expression = { text: ref.text, start: ref.start, offset: ref.offset };
		const problem = ref.root === 'invalid' ? `${ref.name} (in ${ref.text})` : referenceProblem(ref, scope, runbook, graph);
		if (problem) findings.push({ path: ref.path, message: problem, expression });
	}
	return findings;
}

function referenceProblem(ref: FoundExpression, scope: Scope, runbook: RunbookDocument, graph: StepGraph): string | undefined {
	const { spec } = runbook;
	const first = ref.segments[0];
	switch (ref.root) {
		case 'inputs': {
			if (first === undefined) return undefined;
			const declared = Object.keys(spec.inputs);
			if (declared.includes(String(first))) return undefined;
			return `expression reads unknown input "${first}"${declared.length ? suggestion(String(first), declared, 'declared inputs') : '; the runbook declares no inputs'}`;
		}
		case 'steps':
			return stepReferenceProblem(ref, scope, runbook, graph);
		case 'target':
			if (spec.target === undefined) return 'expression reads target, but the runbook names no target (spec.target)';
			return fieldProblem('target', first);
		case 'run':
			return fieldProblem('run', first);
		case 'item':
			return scope.item ? undefined : 'item exists only inside the with of a forEach step';
		default:
			return undefined;
	}
}

function fieldProblem(root: 'target' | 'run', field: string | number | undefined): string | undefined {
	const known: readonly string[] = CONTEXT_FIELDS[root];
	if (field === undefined || known.includes(String(field))) return undefined;
	return `${root} has no field "${field}"${suggestion(String(field), known, `${root} has`)}`;
}

function stepReferenceProblem(ref: FoundExpression, scope: Scope, runbook: RunbookDocument, graph: StepGraph): string | undefined {
	const steps = runbook.spec.steps;
	const [id, outputs, name, index, inner] = ref.segments;
	if (id === undefined) return 'name the step to read, as in steps.backup.outputs.backupId';
	const target = graph.indexOf(String(id));
	if (target < 0) return `expression reads unknown step "${id}"${suggestion(String(id), steps.map((s) => s.id), 'steps')}`;
	const reader = steps[scope.step].id;
	if (target === scope.step && !scope.self) return `step "${reader}" cannot read its own outputs: they do not exist until it has finished`;
	if (target !== scope.step && !scope.upstream().has(target)) {
		if (graph.upstream(target).has(scope.step)) return `expression reads step "${id}", which runs later`;
		return `expression reads step "${id}", which is not upstream of "${reader}": add "${id}" to its needs`;
	}
	if (outputs === undefined) return undefined;
	if (outputs !== 'outputs') return `a step exposes only its outputs: write steps.${id}.outputs.<name>`;
	const type = STEP_TYPE_BY_USES.get(steps[target].uses);
	if (!type || name === undefined) return undefined;
	const forEach = steps[target].forEach !== undefined;
	const declared: readonly string[] = forEach ? FOR_EACH_OUTPUTS : type.outputs;
	if (!(forEach ? false : type.openOutputs) && !declared.includes(String(name)))
		return `step "${id}" (${type.uses}${forEach ? ', forEach' : ''}) has no output "${name}"${suggestion(String(name), declared, 'its outputs')}`;
	if (forEach && name === 'results' && typeof index === 'number' && inner !== undefined && !type.openOutputs && !type.outputs.includes(String(inner)))
		return `each result of step "${id}" (${type.uses}) has no output "${inner}"${suggestion(String(inner), type.outputs, 'its outputs')}`;
	return undefined;
}
