import { isMap, isScalar, isSeq, LineCounter, parseDocument, stringify, type Document, type YAMLMap, type YAMLSeq } from 'yaml';
import { scanExpressions } from '../../../../runbooks/expressions/scan.ts';
import { STEP_ID_PATTERN } from '../../../../runbooks/fields.ts';
import type { JsonSchema } from '../../../../runbooks/json-schema.ts';
import { pairKey, printPreserving, sameJson, setKeyAfter, snapshot, stringScalars, syncMap } from './model-yaml.ts';
import type { StepDraft, StepTypeInfo } from './types.ts';

/**
 * The builder's editing core. The YAML source is the one truth: the canvas, the list and the forms
 * read a graph from it and turn each edit into an operation that yields the next source. Edits go
 * through the `yaml` Document so comments, key order and quoting outside the edit survive.
 *
 * Edge semantics (DESIGN §3): a step with `needs` depends on those; a step without follows the one
 * listed before it (an implicit edge); `needs: []` starts at once. Operations that reorder or remove
 * steps keep every other step's dependencies as they were, writing `needs` only where the implicit
 * edge would otherwise change.
 */
export type BuilderOp =
	| { kind: 'add'; uses: string; after?: string | null }
	| { kind: 'remove'; id: string }
	| { kind: 'update'; id: string; step: StepDraft }
	| { kind: 'connect'; source: string; target: string }
	| { kind: 'disconnect'; source: string; target: string }
	| { kind: 'move'; id: string; to: number };

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
export type OpResult = { ok: true; source: string; selected: string | null } | { ok: false; message: string };

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
		if (needs === undefined) {
			if (i > 0) edges.push({ source: steps[i - 1].step.id, target: step.id, implicit: true });
			return;
		}
		for (const source of new Set(needs)) if (seen.has(source)) edges.push({ source, target: step.id, implicit: false });
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

/** The steps of `spec.steps`, addressed by id. Items that are not steps with an id keep their place but take no part. */
class StepList {
	ids: string[] = [];
	/** Where each step sits among the sequence's items. */
	positions: number[] = [];

	constructor(
		readonly doc: Document,
		readonly seq: YAMLSeq
	) {
		this.refresh();
	}

	refresh(): void {
		this.ids = [];
		this.positions = [];
		const seen = new Set<string>();
		this.seq.items.forEach((item, position) => {
			const id = isMap(item) ? item.get('id') : undefined;
			if (typeof id !== 'string' || !id || seen.has(id)) return;
			seen.add(id);
			this.ids.push(id);
			this.positions.push(position);
		});
	}

	indexOf(id: string): number {
		return this.ids.indexOf(id);
	}

	map(index: number): YAMLMap {
		return this.seq.items[this.positions[index]] as YAMLMap;
	}

	insert(index: number, node: YAMLMap): void {
		const position = index < this.positions.length ? this.positions[index] : this.seq.items.length;
		this.seq.items.splice(position, 0, node);
		// `steps: []` is a flow list; a list of steps reads better as a block.
		this.seq.flow = false;
		this.refresh();
	}

	removeAt(index: number): void {
		this.seq.items.splice(this.positions[index], 1);
		this.refresh();
	}

	/** What each step waits for: its `needs` (unknown names kept, so they are not lost), or the step before it. */
	dependencies(): Map<string, string[]> {
		const deps = new Map<string, string[]>();
		this.ids.forEach((id, i) => {
			const needs = needsOf(this.map(i).toJSON() as Record<string, unknown>);
			deps.set(id, needs === undefined ? (i > 0 ? [this.ids[i - 1]] : []) : [...new Set(needs)]);
		});
		return deps;
	}

	/**
	 * Makes each step wait for exactly `desired` in the current order, touching only the steps whose
	 * dependencies differ: one that now waits just for the step before it loses its `needs`; any
	 * other gets `needs` written, keeping the order of the entries it already had.
	 */
	writeDependencies(desired: Map<string, string[]>): void {
		const current = this.dependencies();
		this.ids.forEach((id, i) => {
			const want = desired.get(id);
			if (!want || sameSet(want, current.get(id)!)) return;
			const map = this.map(i);
			const previous = i > 0 ? this.ids[i - 1] : null;
			if ((previous !== null && want.length === 1 && want[0] === previous) || (previous === null && want.length === 0)) {
				map.delete('needs');
				return;
			}
			const had = needsOf(map.toJSON() as Record<string, unknown>) ?? [];
			const ordered = [...had.filter((n) => want.includes(n)), ...want.filter((n) => !had.includes(n))];
			const existing = map.get('needs', true);
			if (isSeq(existing) && !sameJson(existing.toJSON(), ordered)) {
				existing.items = existing.items.filter((item) => isScalar(item) && ordered.includes(String(item.value)));
				const kept = new Set(existing.items.map((item) => String((item as { value: unknown }).value)));
				for (const n of ordered) if (!kept.has(n)) existing.items.push(this.doc.createNode(n));
				// A duplicate entry may survive the filter; the set of names is what matters, but keep it clean.
				if (!sameJson(existing.toJSON(), ordered)) map.set('needs', this.doc.createNode(ordered, { flow: true }));
			} else if (!isSeq(existing)) setKeyAfter(this.doc, map, 'needs', this.doc.createNode(ordered, { flow: true }), 'uses');
		});
	}
}

function stepsSeq(doc: Document): YAMLSeq | null {
	if (doc.contents === null) doc.contents = doc.createNode({}) as unknown as typeof doc.contents;
	const root = doc.contents as unknown as YAMLMap;
	let spec = root.get('spec', true) as unknown;
	if (spec === undefined || (isScalar(spec) && spec.value === null)) {
		root.set('spec', doc.createNode({}));
		spec = root.get('spec', true);
	}
	if (!isMap(spec)) return null;
	let seq = spec.get('steps', true) as unknown;
	if (seq === undefined || (isScalar(seq) && seq.value === null)) {
		spec.set('steps', doc.createNode([], { flow: true }));
		seq = spec.get('steps', true);
	}
	return isSeq(seq) ? seq : null;
}

function needsOf(step: Record<string, unknown>): string[] | undefined {
	const needs = step.needs;
	if (needs === undefined || needs === null) return undefined;
	if (Array.isArray(needs)) return needs.filter((n): n is string => typeof n === 'string');
	return typeof needs === 'string' ? [needs] : [];
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
	const left = new Set(a);
	const right = new Set(b);
	return left.size === right.size && [...left].every((x) => right.has(x));
}

/** `postgres.backup` gives `backup`, then `backup_2`, `backup_3`… */
export function freshId(uses: string, taken: ReadonlySet<string>): string {
	let base = (uses.split('.').pop() ?? '').replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 56);
	if (!/^[A-Za-z_]/.test(base)) base = `step_${base}`.slice(0, 56);
	if (!taken.has(base)) return base;
	for (let n = 2; ; n++) {
		const id = `${base}_${n}`;
		if (!taken.has(id) && STEP_ID_PATTERN.test(id)) return id;
	}
}

/**
 * A new step's `with`: each required field with its default, or the first allowed value, or an
 * empty value of its type, so the YAML shows what must be filled in and the form flags it.
 */
export function requiredDefaults(schema: JsonSchema): Record<string, unknown> {
	const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
	const required = Array.isArray(schema.required) ? (schema.required as string[]) : [];
	const out: Record<string, unknown> = {};
	for (const name of required) {
		const value = startingValue(properties[name] ?? {});
		if (value !== undefined) out[name] = value;
	}
	return out;
}

function startingValue(schema: JsonSchema): unknown {
	if ('default' in schema) return schema.default;
	if ('const' in schema) return schema.const;
	if (Array.isArray(schema.enum) && schema.enum.length) return schema.enum[0];
	const branches = (schema.anyOf ?? schema.oneOf) as JsonSchema[] | undefined;
	if (Array.isArray(branches) && branches.length) return startingValue(branches[0]);
	const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
	switch (type) {
		case 'string':
			return '';
		case 'array':
			return [];
		case 'object':
			return requiredDefaults(schema);
		case 'boolean':
			return false;
		case 'integer':
		case 'number':
			return typeof schema.minimum === 'number' ? schema.minimum : 0;
		default:
			return undefined;
	}
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

