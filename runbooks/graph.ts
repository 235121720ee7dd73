import { needsWithDefault } from './run-model.ts';

/**
 * The order steps run in (DESIGN §3): a step with `needs` waits for those steps; a step without
 * follows the one listed before it; `needs: []` starts at once. Together they make a graph that
 * must have no cycles; a step may read the outputs only of steps upstream of it.
 */
export interface GraphStep {
	id: string;
	needs?: readonly string[];
}

export interface Cycle {
	/** Step indexes along the cycle, each needing the next; the first is repeated at the end. */
	steps: number[];
	/** The explicit `needs` entry that closes it: which step, and which entry of its needs. */
	at: { step: number; need: number };
	/** True when part of the cycle is the implicit "follows the step before". */
	implicit: boolean;
}

export interface StepGraph {
	/** Direct dependencies of each step, by index. */
	dependencies: number[][];
	/** Every step that finishes before step `index` starts. */
	upstream(index: number): Set<number>;
	/** The index of the first step with this id, or -1. */
	indexOf(id: string): number;
	cycles: Cycle[];
}

export function stepGraph(steps: readonly GraphStep[]): StepGraph {
	const first = new Map<string, number>();
	steps.forEach((step, i) => {
		if (!first.has(step.id)) first.set(step.id, i);
	});
	const explicit = steps.map((step) => (step.needs ? step.needs.map((id) => first.get(id)) : undefined));
	const dependencies = steps.map((_, i) => [...new Set(needsWithDefault(explicit[i], i > 0 ? i - 1 : undefined).filter((n): n is number => n !== undefined))]);

	const upstreamCache = new Map<number, Set<number>>();
	let closures: Uint32Array[] | null | undefined;
	const upstream = (index: number): Set<number> => {
		const cached = upstreamCache.get(index);
		if (cached) return cached;
		closures ??= cycles.length ? null : upstreamBits(dependencies);
		const seen = closures ? membersOf(closures[index]) : walkUpstream(dependencies, index);
		upstreamCache.set(index, seen);
		return seen;
	};

	const cycles: Cycle[] = [];
	for (const component of stronglyConnected(dependencies)) {
		const start = Math.min(...component);
		const looping = component.length > 1 || dependencies[start].includes(start);
		if (!looping) continue;
		const members = new Set(component);
		const steps = pathBack(start, dependencies, members);
		// Implicit edges only point back to the step before, so a cycle always has an explicit edge that does not.
		let at = { step: start, need: 0 };
		for (let k = 0; k < steps.length - 1; k++) {
			const [from, to] = [steps[k], steps[k + 1]];
			const need = explicit[from]?.indexOf(to) ?? -1;
			if (need >= 0 && to >= from) {
				at = { step: from, need };
				break;
			}
		}
		const implicit = steps.slice(0, -1).some((from) => explicit[from] === undefined);
		cycles.push({ steps, at, implicit });
	}
	cycles.sort((a, b) => a.at.step - b.at.step);
	return { dependencies, upstream, cycles, indexOf: (id) => first.get(id) ?? -1 };
}

/** Upstream by walking dependencies: works on any graph, but costs every edge for every step asked about. */
function walkUpstream(dependencies: number[][], index: number): Set<number> {
	const seen = new Set<number>();
	const stack = [...dependencies[index]];
	while (stack.length) {
		const next = stack.pop()!;
		if (seen.has(next)) continue;
		seen.add(next);
		stack.push(...dependencies[next]);
	}
	seen.delete(index);
	return seen;
}

/**
 * Upstream of every step of an acyclic graph at once, as bit sets built in topological order:
 * each edge costs one union of n/32 words, so a large runbook with dense needs stays fast.
 */
function upstreamBits(dependencies: number[][]): Uint32Array[] {
	const n = dependencies.length;
	const words = (n + 31) >>> 5;
	const dependents: number[][] = dependencies.map(() => []);
	const waiting = dependencies.map((deps, i) => {
		for (const d of deps) dependents[d].push(i);
		return deps.length;
	});
	const ready = waiting.flatMap((count, i) => (count === 0 ? [i] : []));
	const sets: Uint32Array[] = new Array(n);
	for (let q = 0; q < ready.length; q++) {
		const node = ready[q];
		const set = new Uint32Array(words);
		for (const d of dependencies[node]) {
			set[d >>> 5] |= 1 << (d & 31);
			const upstreamOfD = sets[d];
			for (let w = 0; w < words; w++) set[w] |= upstreamOfD[w];
		}
		sets[node] = set;
		for (const next of dependents[node]) if (--waiting[next] === 0) ready.push(next);
	}
	return sets;
}

function membersOf(bits: Uint32Array): Set<number> {
	const members = new Set<number>();
	for (let w = 0; w < bits.length; w++) {
		for (let word = bits[w]; word !== 0; word &= word - 1) members.add((w << 5) + 31 - Math.clz32(word & -word));
	}
	return members;
}

/** A shortest walk from `start` along dependencies back to `start`, inside one strongly connected component. */
function pathBack(start: number, dependencies: number[][], members: Set<number>): number[] {
	const previous = new Map<number, number>();
	const queue = [start];
	for (let q = 0; q < queue.length; q++) {
		const node = queue[q];
		for (const next of dependencies[node]) {
			if (!members.has(next)) continue;
			if (next === start) {
				const walk = [node];
				while (walk[0] !== start) walk.unshift(previous.get(walk[0])!);
				return [...walk, start];
			}
			if (!previous.has(next)) {
				previous.set(next, node);
				queue.push(next);
			}
		}
	}
	return [start, start];
}

/** Tarjan's algorithm, iteratively: a long chain of steps must not overflow the stack. */
function stronglyConnected(edges: number[][]): number[][] {
	const index = new Array<number>(edges.length).fill(-1);
	const low = new Array<number>(edges.length).fill(0);
	const onStack = new Array<boolean>(edges.length).fill(false);
	const stack: number[] = [];
	const components: number[][] = [];
	let counter = 0;
	for (let root = 0; root < edges.length; root++) {
		if (index[root] >= 0) continue;
		const work: Array<{ node: number; edge: number }> = [{ node: root, edge: 0 }];
		index[root] = low[root] = counter++;
		stack.push(root);
		onStack[root] = true;
		while (work.length) {
			const frame = work[work.length - 1];
			const next = edges[frame.node][frame.edge++];
			if (next !== undefined) {
				if (index[next] < 0) {
					index[next] = low[next] = counter++;
					stack.push(next);
					onStack[next] = true;
					work.push({ node: next, edge: 0 });
				} else if (onStack[next]) low[frame.node] = Math.min(low[frame.node], index[next]);
				continue;
			}
			work.pop();
			if (work.length) low[work[work.length - 1].node] = Math.min(low[work[work.length - 1].node], low[frame.node]);
			if (low[frame.node] === index[frame.node]) {
				const component: number[] = [];
				let member: number;
				do {
					member = stack.pop()!;
					onStack[member] = false;
					component.push(member);
				} while (member !== frame.node);
				components.push(component);
			}
		}
	}
	return components;
}
