import { isMap, isScalar, parseDocument, Pair, Scalar, type Document, type YAMLMap } from 'yaml';
import { printPreserving, snapshot } from './model-yaml.ts';

/**
 * The runbook's settings outside its steps, read from and written into the YAML source. Edits go
 * through the `yaml` Document, so comments, key order and the author's layout elsewhere survive.
 */
export const INPUT_TYPES = ['string', 'number', 'boolean'] as const;
export const FAILURE_POLICIES = ['stop', 'rollback', 'continue'] as const;
export const CONCURRENCY = ['target', 'none'] as const;

export interface InputDraft {
	name: string;
	type: (typeof INPUT_TYPES)[number];
	required: boolean;
	/** As the author typed it; turned into a number or boolean for inputs of those types. */
	default: string;
	description: string;
}

export interface RunbookSettings {
	name: string;
	title: string;
	description: string;
	target: string;
	window: string;
	concurrency: string;
	onFailure: string;
	inputs: InputDraft[];
}

/** A setting with no value is removed from the YAML rather than written empty. */
export type SettingsPatch = Partial<Pick<RunbookSettings, 'title' | 'description' | 'target' | 'window' | 'concurrency' | 'onFailure'>>;

const SPEC_KEYS: Record<string, readonly string[]> = { target: ['spec', 'target'], window: ['spec', 'window'], concurrency: ['spec', 'concurrency'], onFailure: ['spec', 'onFailure'] };
const METADATA_KEYS: Record<string, readonly string[]> = { title: ['metadata', 'title'], description: ['metadata', 'description'] };

function text(value: unknown): string {
	return value === undefined || value === null ? '' : String(value);
}

function record(value: unknown): Record<string, unknown> {
	return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

function open(source: string): Document | null {
	const doc = parseDocument(source, { uniqueKeys: false });
	return doc.errors.length || !isMap(doc.contents) ? null : doc;
}

/** Applies `change` to the parsed source and prints it back keeping the layout of what it did not touch. */
function edit(source: string, change: (doc: Document) => void): string {
	const doc = open(source);
	if (!doc) return source;
	const before = snapshot(doc);
	change(doc);
	return printPreserving(source, doc, before);
}

/** The settings as written, or null while the YAML cannot be read. */
export function readSettings(source: string): RunbookSettings | null {
	const doc = open(source);
	if (!doc) return null;
	const data = record(doc.toJS());
	const metadata = record(data.metadata);
	const spec = record(data.spec);
	const inputs = Object.entries(record(spec.inputs)).map(([name, raw]) => {
		const input = record(raw);
		const type = INPUT_TYPES.includes(input.type as InputDraft['type']) ? (input.type as InputDraft['type']) : 'string';
		return { name, type, required: input.required === true, default: text(input.default), description: text(input.description) };
	});
	return {
		name: text(metadata.name),
		title: text(metadata.title),
		description: text(metadata.description),
		target: text(spec.target),
		window: text(spec.window),
		concurrency: text(spec.concurrency),
		onFailure: text(spec.onFailure),
		inputs
	};
}

/** Sets `key` in a mapping, a new key going before `before` when that key is there (so `steps` stays last). */
function setKey(map: YAMLMap, key: string, value: unknown, doc: Document, before?: string): void {
	if (map.has(key)) {
		map.set(key, value);
		return;
	}
	const pair = new Pair(new Scalar(key), doc.createNode(value));
	const at = before === undefined ? -1 : map.items.findIndex((item) => isScalar(item.key) && item.key.value === before);
	if (at < 0) map.items.push(pair);
	else map.items.splice(at, 0, pair);
}

function mapAt(doc: Document, path: readonly string[]): YAMLMap | null {
	let node: unknown = doc.contents;
	for (const key of path) {
		if (!isMap(node)) return null;
		let next: unknown = node.get(key, true);
		if (next === undefined) {
			next = doc.createNode({});
			node.set(key, next);
		}
		node = next;
	}
	return isMap(node) ? node : null;
}

export function updateSettings(source: string, patch: SettingsPatch): string {
	return edit(source, (doc) => {
		for (const [field, value] of Object.entries(patch)) {
			const path = SPEC_KEYS[field] ?? METADATA_KEYS[field];
			if (!path) continue;
			const [parent, key] = path;
			if (value === undefined || value === '') {
				doc.deleteIn(path as string[]);
				continue;
			}
			const map = mapAt(doc, [parent]);
			if (map) setKey(map, key, value, doc, parent === 'spec' ? 'steps' : 'tags');
		}
	});
}

/** An input as the schema reads it: empty fields left out, the default typed. */
function inputValue(input: InputDraft): Record<string, unknown> {
	const value: Record<string, unknown> = { type: input.type };
	if (input.required) value.required = true;
	if (input.default !== '') {
		if (input.type === 'number' && Number.isFinite(Number(input.default))) value.default = Number(input.default);
		else if (input.type === 'boolean' && (input.default === 'true' || input.default === 'false')) value.default = input.default === 'true';
		else value.default = input.default;
	}
	if (input.description !== '') value.description = input.description;
	return value;
}

/** Writes one input; a new name renames it in place (the keys keep their order). */
export function putInput(source: string, previousName: string | null, input: InputDraft): string {
	return edit(source, (doc) => {
		const spec = mapAt(doc, ['spec']);
		if (!spec) return;
		if (!isMap(spec.get('inputs', true))) setKey(spec, 'inputs', {}, doc, 'concurrency' in (spec.toJSON() as object) ? 'concurrency' : 'steps');
		const inputs = spec.get('inputs', true) as unknown as YAMLMap;
		const node = doc.createNode(inputValue(input));
		const existing = previousName === null ? undefined : inputs.items.find((item) => isScalar(item.key) && item.key.value === previousName);
		if (existing) {
			existing.key = new Scalar(input.name);
			existing.value = node;
		} else {
			inputs.items.push(new Pair(new Scalar(input.name), node));
		}
	});
}

export function removeInput(source: string, name: string): string {
	return edit(source, (doc) => {
		doc.deleteIn(['spec', 'inputs', name]);
		const inputs = doc.getIn(['spec', 'inputs']);
		if (isMap(inputs) && inputs.items.length === 0) doc.deleteIn(['spec', 'inputs']);
	});
}

/** A name not taken yet: `input`, `input2`, … */
export function freshInputName(taken: readonly string[]): string {
	for (let n = 1; ; n++) {
		const name = n === 1 ? 'input' : `input${n}`;
		if (!taken.includes(name)) return name;
	}
}
