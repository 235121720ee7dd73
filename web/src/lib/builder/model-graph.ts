import { isMap, isScalar, isSeq, LineCounter, parseDocument } from 'yaml';
import { needsWithDefault } from '$runbooks/run-model.ts';
import type { StepDraft } from './types.ts';

/**
 * Reading the step graph from the source. Edge semantics (DESIGN §3): a step with `needs` depends on
 * those; a step without follows the one listed before it (an implicit edge); `needs: []` starts at once.
 */

export interface BuilderStep {
	step: StepDraft;
	/** Position in `spec.steps`. */
	index: number;
	/** 1-based line of the step in the source. */
	line: number | null;
}

export interface BuilderEdge {
	source: string;
	target: string;
	/** True for "follows the step listed before it" (no `needs`). */
	implicit: boolean;
}

export interface BuilderGraph {
	steps: BuilderStep[];
	edges: BuilderEdge[];
}

export type ReadResult = { ok: true; graph: BuilderGraph } | { ok: false; message: string; line: number | null };

/**
 * The step graph as the source writes it. Only YAML syntax is checked here (schema problems are the
 * validator's); a list item without a usable id, or repeating an earlier id, is left out, since the
 * canvas and the list key steps by id.
 */
export function readGraph(source: string): ReadResult {
	const lineCounter = new LineCounter();
	const doc = parseDocument(source, { lineCounter, uniqueKeys: false, prettyErrors: false });
	if (doc.errors.length) {
		const error = doc.errors[0];
		return { ok: false, message: error.message.split('\n')[0], line: lineCounter.linePos(error.pos[0]).line };
	}
	const seq = doc.getIn(['spec', 'steps'], true);
	if (seq !== undefined && seq !== null && !isSeq(seq) && !(isScalar(seq) && seq.value === null)) {
		const range = (seq as { range?: [number, number] }).range;
		return { ok: false, message: 'spec.steps must be a list of steps', line: range ? lineCounter.linePos(range[0]).line : null };
	}
	const steps: BuilderStep[] = [];
	const seen = new Set<string>();
	(isSeq(seq) ? seq.items : []).forEach((item, index) => {
		if (!isMap(item)) return;
		const step = item.toJSON() as Record<string, unknown>;
		if (typeof step.id !== 'string' || !step.id || seen.has(step.id)) return;
		seen.add(step.id);
		const line = item.range ? lineCounter.linePos(item.range[0]).line : null;
		steps.push({ step: { ...step, id: step.id, uses: typeof step.uses === 'string' ? step.uses : '' }, index, line });
	});
	const edges: BuilderEdge[] = [];
	steps.forEach(({ step }, i) => {
		const needs = needsOf(step);
		const implicit = needs === undefined;
		for (const source of new Set(needsWithDefault(needs, steps[i - 1]?.step.id))) if (seen.has(source)) edges.push({ source, target: step.id, implicit });
	});
	return { ok: true, graph: { steps, edges } };
}

/** Every step that finishes before `id` starts, nearest first: what its expressions may read. */
export function upstreamOf(graph: BuilderGraph, id: string): string[] {
	const into = new Map<string, string[]>();
	for (const edge of graph.edges) (into.get(edge.target) ?? into.set(edge.target, []).get(edge.target)!).push(edge.source);
	const seen = new Set<string>();
	const queue = [...(into.get(id) ?? [])];
	for (let q = 0; q < queue.length; q++) {
		const next = queue[q];
		if (seen.has(next) || next === id) continue;
		seen.add(next);
		queue.push(...(into.get(next) ?? []));
	}
	return [...seen];
}

/** A step's `needs` as names, or undefined when it has none (so it follows the step before it). */
export function needsOf(step: Record<string, unknown>): string[] | undefined {
	const needs = step.needs;
	if (needs === undefined || needs === null) return undefined;
	if (Array.isArray(needs)) return needs.filter((n): n is string => typeof n === 'string');
	return typeof needs === 'string' ? [needs] : [];
}
