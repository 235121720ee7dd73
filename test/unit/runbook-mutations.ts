import fc from 'fast-check';

/**
 * Ways to break a generated document on purpose, for the property tests: anywhere (drop a field,
 * change a value's type) or structurally, where the rejection must name the mistake.
 */
export type Json = Record<string, unknown>;
type Key = string | number;

/** Every path in a document, so a mutation can pick one. */
function paths(value: unknown, at: Key[] = []): Key[][] {
	if (Array.isArray(value)) return [at, ...value.flatMap((v, i) => paths(v, [...at, i]))];
	if (value && typeof value === 'object') return [at, ...Object.entries(value).flatMap(([k, v]) => paths(v, [...at, k]))];
	return [at];
}

function parentOf(doc: Json, path: Key[]): Record<Key, unknown> {
	let node: unknown = doc;
	for (const key of path.slice(0, -1)) node = (node as Record<Key, unknown>)[key];
	return node as Record<Key, unknown>;
}

/** The steps of a document a mutation may already have mangled: only the ones still mappings. */
function steps(doc: Json): Json[] {
	const list = (doc.spec as { steps?: unknown } | undefined)?.steps;
	return Array.isArray(list) ? list.filter((s): s is Json => !!s && typeof s === 'object' && !Array.isArray(s)) : [];
}

export const junk = fc.oneof(
	fc.constantFrom(42, -1, 2.5, '', 'text', true, null, [], {}, [1, 'x'], { x: 1 }, '${{ (', '${{ steps.x.outputs }}', '${{ inputs.nope }}', 'role:', 'secret:x'),
	fc.string({ maxLength: 8 }),
	fc.integer()
);

/** A mutation changes the document in place and returns the message its rejection must contain, if it is sure to be rejected. */
export type Mutation = (doc: Json, pick: number, value: unknown) => string | undefined;

function anywhere(change: (parent: Record<Key, unknown>, key: Key, value: unknown) => void): Mutation {
	return (doc, pick, value) => {
		const all = paths(doc).filter((p) => p.length > 0);
		if (!all.length) return undefined;
		const path = all[pick % all.length];
		change(parentOf(doc, path), path.at(-1)!, value);
		return undefined;
	};
}

function onStep(change: (step: Json, all: Json[], index: number) => string | undefined): Mutation {
	return (doc, pick) => {
		const all = steps(doc);
		return all.length ? change(all[pick % all.length], all, pick % all.length) : undefined;
	};
}

export const dropField = anywhere((parent, key) => (Array.isArray(parent) ? parent.splice(key as number, 1) : delete parent[key]));
export const changeType = anywhere((parent, key, value) => (parent[key] = value));

export const STRUCTURAL: Record<string, Mutation> = {
	'duplicate an id': onStep((step, all, i) => {
		if (all.length < 2) return undefined;
		all[(i + 1) % all.length].id = step.id;
		return 'duplicate step id';
	}),
	'add a cycle': onStep((step, all, i) => {
		const other = all[(i + 1) % all.length];
		step.needs = [other.id];
		other.needs = [step.id];
		return 'needs form a cycle';
	}),
	'need a step that does not exist': onStep((step) => {
		step.needs = [...(Array.isArray(step.needs) ? step.needs : []), 'no-such-step'];
		return 'needs unknown step';
	}),
	'use an unknown step type': onStep((step) => {
		step.uses = 'postgres.teleport';
		return 'unknown step type';
	}),
	'break an expression': onStep((step) => {
		step.if = '${{ steps. == }}';
		return 'expected a name';
	}),
	'read a step that does not exist': onStep((step) => {
		step.if = '${{ steps.never-there.outputs.x }}';
		return 'unknown step "never-there"';
	}),
	'read an input that is not declared': onStep((step) => {
		step.if = '${{ inputs.undeclared_input }}';
		return 'unknown input "undeclared_input"';
	}),
	'read an output the step does not have': onStep((step, all, i) => {
		// A child runbook's outputs are its own steps': any name may be there, so none is a mistake.
		if (i === 0 || all[0].uses === 'runbook') return undefined;
		step.needs = [all[0].id];
		step.if = `\${{ steps.${all[0].id}.outputs.noSuchOutput }}`;
		return 'has no output "noSuchOutput"';
	})
};
export const MUTATIONS: Mutation[] = [dropField, changeType, ...Object.values(STRUCTURAL)];
