import { isMap, LineCounter, parseDocument } from 'yaml';
import type { DocumentError } from '../../../../runbooks/parse.ts';
import type { BuilderGraph } from './model.ts';
import type { FieldError } from './types.ts';

/**
 * Findings as the builder shows them: each tied to the step it is about (so the canvas can count
 * them and the step's form can show them beside its fields) or else to a line of the YAML.
 */
export interface Problem {
	/** As parseRunbook or the publish API reports it: `spec.steps[3].with.database`. */
	path: string;
	line: number | null;
	column: number | null;
	message: string;
	/** The step the finding is about, when its path is inside one. */
	stepId: string | null;
	/** The path inside that step: `with.database`; empty for the step as a whole. */
	stepPath: string;
}

const STEP_PATH = /^spec\.steps(?:\[(\d+)\]|\.(\d+))(.*)$/;

/** `spec.steps[3].with.database` (or `spec.steps.3.with.database`) → step 3, `with.database`. */
export function stepLocation(path: string): { index: number; rest: string } | null {
	const match = STEP_PATH.exec(path);
	if (!match) return null;
	const rest = match[3].startsWith('.') ? match[3].slice(1) : match[3];
	return { index: Number(match[1] ?? match[2]), rest };
}

/** The step whose YAML holds `line`: the last one starting at or before it. */
function stepAtLine(graph: BuilderGraph, line: number): string | null {
	let found: string | null = null;
	for (const { step, line: start } of graph.steps) if (start !== null && start <= line) found = step.id;
	return found;
}

export function toProblems(errors: readonly DocumentError[], graph: BuilderGraph | null): Problem[] {
	return errors.map((error) => {
		const location = stepLocation(error.path);
		const byIndex = location && graph ? (graph.steps.find((s) => s.index === location.index)?.step.id ?? null) : null;
		// A finding inside the steps but without a readable step path (a syntax error, say) still belongs to the step it sits in.
		const byLine = !location && graph && error.line && error.path.startsWith('spec.steps') ? stepAtLine(graph, error.line) : null;
		return {
			path: error.path,
			line: error.line ?? null,
			column: error.column ?? null,
			message: error.message,
			stepId: byIndex ?? byLine,
			stepPath: location?.rest ?? ''
		};
	});
}

export function countByStep(problems: readonly Problem[]): Record<string, number> {
	const counts: Record<string, number> = {};
	for (const problem of problems) if (problem.stepId) counts[problem.stepId] = (counts[problem.stepId] ?? 0) + 1;
	return counts;
}

/** The selected step's findings for its form, paths relative to the step. */
export function stepErrors(problems: readonly Problem[], stepId: string): FieldError[] {
	return problems.filter((p) => p.stepId === stepId).map((p) => ({ path: p.stepPath, message: p.message }));
}

/**
 * The builder saves drafts under the runbook's name, so the document must keep it: renaming
 * would publish a different runbook and leave this one's draft behind.
 */
export function nameProblem(source: string, expected: string): DocumentError | null {
	const lines = new LineCounter();
	const doc = parseDocument(source, { lineCounter: lines });
	if (doc.errors.length || !isMap(doc.contents)) return null;
	const node = doc.getIn(['metadata', 'name'], true) as { range?: [number, number, number] } | undefined;
	const name = doc.getIn(['metadata', 'name']);
	if (name === expected) return null;
	const at = node?.range ? lines.linePos(node.range[0]) : undefined;
	return {
		path: 'metadata.name',
		...(at ? { line: at.line, column: at.col } : {}),
		message: `must stay "${expected}": the builder edits that runbook (start a new runbook for another name)`
	};
}
