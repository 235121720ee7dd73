import { isMap, isScalar, isSeq, parseDocument, stringify, type YAMLMap } from 'yaml';
import { scanExpressions } from '../../../../runbooks/expressions/scan.ts';
import { freshId, requiredDefaults } from './model-new-step.ts';
import { StepList, stepsSeq } from './model-steps.ts';
import { pairKey, printPreserving, sameJson, snapshot, stringScalars, syncMap } from './model-yaml.ts';
import type { StepDraft, StepTypeInfo } from './types.ts';

export { readGraph, upstreamOf, type BuilderEdge, type BuilderGraph, type BuilderStep, type ReadResult } from './model-graph.ts';
export { freshId, requiredDefaults } from './model-new-step.ts';

/**
 * The builder's editing core. The YAML source is the one truth: the canvas, the list and the forms
 * read a graph from it (model-graph.ts) and turn each edit into an operation that yields the next
 * source. Edits go through the `yaml` Document so comments, key order and quoting outside the edit
 * survive.
 *
 * Operations that reorder or remove steps keep every other step's dependencies as they were
 * (edge semantics: DESIGN §3), writing `needs` only where the implicit edge would otherwise change.
 */
export type BuilderOp =
	| { kind: 'add'; uses: string; after?: string | null }
	| { kind: 'remove'; id: string }
	| { kind: 'update'; id: string; step: StepDraft }
	| { kind: 'connect'; source: string; target: string }
	| { kind: 'disconnect'; source: string; target: string }
	| { kind: 'move'; id: string; to: number };

export type OpResult = { ok: true; source: string; selected: string | null } | { ok: false; message: string };

export function blankRunbook(name: string, title: string): string {
	return stringify({ apiVersion: 'tend/v1', kind: 'Runbook', metadata: { name, title }, spec: { steps: [] } }, { lineWidth: 0 });
}

export function applyOp(source: string, op: BuilderOp, stepTypes: readonly StepTypeInfo[]): OpResult {
	const doc = parseDocument(source, { uniqueKeys: false, prettyErrors: false });
	if (doc.errors.length) return { ok: false, message: `Fix the YAML first: ${doc.errors[0].message.split('\n')[0]}` };
	if (doc.contents !== null && !isMap(doc.contents)) return { ok: false, message: 'The document must be a mapping (apiVersion, kind, metadata, spec)' };
	const before = snapshot(doc);
	const seq = stepsSeq(doc);
	if (!seq) return { ok: false, message: 'spec.steps must be a list of steps' };
	const list = new StepList(doc, seq);
	const outcome = run(list, op, stepTypes);
	if (typeof outcome === 'object' && outcome && 'error' in outcome) return { ok: false, message: outcome.error };
	const selected = outcome as string | null;
	if (before.get(doc.contents) !== undefined && sameJson(doc.contents?.toJSON(), parseDocument(source).toJSON())) return { ok: true, source, selected };
	return { ok: true, source: printPreserving(source, doc, before), selected };
}

function run(list: StepList, op: BuilderOp, stepTypes: readonly StepTypeInfo[]): string | null | { error: string } {
	switch (op.kind) {
		case 'add':
			return add(list, op.uses, op.after ?? null, stepTypes);
		case 'remove':
			return remove(list, op.id);
		case 'update':
			return update(list, op.id, op.step);
		case 'connect':
			return connect(list, op.source, op.target);
		case 'disconnect':
			return disconnect(list, op.source, op.target);
		case 'move':
			return move(list, op.id, op.to);
	}
}

function add(list: StepList, uses: string, after: string | null, stepTypes: readonly StepTypeInfo[]): string | { error: string } {
	const type = stepTypes.find((t) => t.uses === uses);
	if (!type) return { error: `Unknown step type ${uses}` };
	let at = list.ids.length;
	if (after !== null) {
		const index = list.indexOf(after);
		if (index < 0) return { error: `No step ${after}` };
		at = index + 1;
	}
	const id = freshId(uses, new Set(list.ids));
	const withValue = requiredDefaults(type.withSchema);
	const step: Record<string, unknown> = { id, uses };
	if (Object.keys(withValue).length) step.with = withValue;
	// Inserted after a step, it joins that step's chain: whatever followed the step now follows the new one.
	list.insert(at, list.doc.createNode(step) as YAMLMap);
	return id;
}

function remove(list: StepList, id: string): null | { error: string } {
	const index = list.indexOf(id);
	if (index < 0) return { error: `No step ${id}` };
	const before = list.dependencies();
	const removedNeeds = before.get(id) ?? [];
	const desired = new Map<string, string[]>();
	for (const [step, needs] of before) {
		if (step === id) continue;
		if (!needs.includes(id)) desired.set(step, needs);
		// A step that waited only for the removed one now waits for what that one waited for, so a chain stays a chain.
		else if (needs.length === 1) desired.set(step, removedNeeds.filter((n) => n !== step));
		else desired.set(step, needs.filter((n) => n !== id));
	}
	list.removeAt(index);
	list.writeDependencies(desired);
	return null;
}

function update(list: StepList, id: string, step: StepDraft): string | { error: string } {
	const index = list.indexOf(id);
	if (index < 0) return { error: `No step ${id}` };
	const nextId = step.id;
	if (typeof nextId !== 'string' || !nextId.trim()) return { error: 'A step needs an id' };
	if (nextId !== id && list.ids.includes(nextId)) return { error: `Another step already has the id ${nextId}` };
	syncMap(list.doc, list.map(index), step);
	if (nextId !== id) renameReferences(list, index, id, nextId);
	return nextId;
}

function connect(list: StepList, source: string, target: string): string | { error: string } {
	const missing = [source, target].find((s) => list.indexOf(s) < 0);
	if (missing !== undefined) return { error: `No step ${missing}` };
	if (source === target) return { error: 'A step cannot depend on itself' };
	const deps = list.dependencies();
	if (deps.get(target)!.includes(source)) return target;
	if (reaches(deps, source, target)) return { error: `${target} already runs before ${source}; connecting them would make a cycle` };
	deps.set(target, [...deps.get(target)!, source]);
	list.writeDependencies(deps);
	return target;
}

function disconnect(list: StepList, source: string, target: string): string | { error: string } {
	if (list.indexOf(target) < 0) return { error: `No step ${target}` };
	const deps = list.dependencies();
	const needs = deps.get(target)!;
	if (!needs.includes(source)) return { error: `${target} does not depend on ${source}` };
	deps.set(target, needs.filter((n) => n !== source));
	list.writeDependencies(deps);
	return target;
}

function move(list: StepList, id: string, to: number): string | { error: string } {
	const index = list.indexOf(id);
	if (index < 0) return { error: `No step ${id}` };
	const target = Math.max(0, Math.min(list.ids.length - 1, Math.trunc(to)));
	if (target === index) return id;
	const deps = list.dependencies();
	const [node] = list.seq.items.splice(list.positions[index], 1);
	list.refresh();
	list.insert(target, node as YAMLMap);
	list.writeDependencies(deps);
	return id;
}

/** True when `to` is `from` or lies upstream of it. */
function reaches(deps: Map<string, string[]>, from: string, to: string): boolean {
	const seen = new Set<string>();
	const stack = [from];
	while (stack.length) {
		const next = stack.pop()!;
		if (next === to) return true;
		if (seen.has(next)) continue;
		seen.add(next);
		stack.push(...(deps.get(next) ?? []));
	}
	return false;
}

/** After a rename: other steps' `needs` entries and their `steps.<old>` references follow. */
function renameReferences(list: StepList, renamed: number, from: string, to: string): void {
	const reference = new RegExp(`(?<![\\w.-])steps\\.${escapeRegExp(from)}(?![\\w-])`, 'g');
	list.ids.forEach((_, i) => {
		if (i === renamed) return;
		const map = list.map(i);
		const needs = map.get('needs', true);
		if (isSeq(needs)) for (const item of needs.items) if (isScalar(item) && item.value === from) item.value = to;
		for (const pair of map.items) {
			const key = pairKey(pair);
			if (key === 'id' || key === 'needs') continue;
			for (const text of stringScalars(pair.value)) {
				const next = renameInString(text.value, reference, `steps.${to}`);
				if (next !== text.value) text.set(next);
			}
		}
	});
}

/** Inside `${{ }}` only, and in a string that is itself a path (`show: [steps.dedupe.outputs]`). */
function renameInString(text: string, reference: RegExp, replacement: string): string {
	if (/^steps\.[\w-]+([.[]|$)/.test(text) && !text.includes('${{')) return text.replace(reference, replacement);
	let out = '';
	let from = 0;
	for (const span of scanExpressions(text)) {
		out += text.slice(from, span.bodyStart) + span.body.replace(reference, replacement);
		from = span.bodyStart + span.body.length;
	}
	return out + text.slice(from);
}

function escapeRegExp(text: string): string {
	return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

