import { isMap, isScalar, isSeq, type Document, type YAMLMap, type YAMLSeq } from 'yaml';
import { needsWithDefault } from '$runbooks/run-model.ts';
import { needsOf } from './model-graph.ts';
import { sameJson, setKeyAfter } from './model-yaml.ts';

/** The steps of `spec.steps`, addressed by id. Items that are not steps with an id keep their place but take no part. */
export class StepList {
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
			deps.set(id, [...new Set(needsWithDefault(needs, this.ids[i - 1]))]);
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

/** `spec.steps` of the document, created (with `spec`) when missing; null when it is not a list. */
export function stepsSeq(doc: Document): YAMLSeq | null {
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

function sameSet(a: readonly string[], b: readonly string[]): boolean {
	const left = new Set(a);
	const right = new Set(b);
	return left.size === right.size && [...left].every((x) => right.has(x));
}
