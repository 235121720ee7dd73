import type { JsonSchema } from '../../../../../runbooks/json-schema.ts';

/**
 * How the builder's form reads the JSON Schema of a step's `with` (zod 4's toJSONSchema output):
 * which control a field gets, what its default is, and whether a value passes the checks the schema
 * states. The real validator (runbooks/validate-runbook.ts) stays the judge; this gives feedback
 * while typing, one field at a time.
 */

export type { JsonSchema };

/** A control the form can show; `raw` is a YAML text area for what the others cannot hold. */
export type Kind = 'text' | 'number' | 'choice' | 'boolean' | 'list' | 'group' | 'expression' | 'raw';

/** One way to write a field's value, with the schema branches it stands for. */
export interface Representation {
	kind: Kind;
	schema: JsonSchema;
	/** A text control that accepts numbers too: typed digits become a number (a duration of 5000 ms, a quorum of 2). */
	numeric?: boolean;
	/** The enum of a choice, the branches merged. */
	options?: readonly (string | number | boolean)[];
}

export interface Problem {
	/** A key under `form:error`. */
	code: 'required' | 'type' | 'enum' | 'pattern' | 'name' | 'dateTime' | 'duration' | 'minimum' | 'maximum' | 'exclusiveMinimum' | 'minLength' | 'minItems' | 'integer' | 'expression';
	params?: Record<string, string | number>;
}

const EXPRESSION_PATTERN = '^\\$\\{\\{[\\s\\S]*\\}\\}$';
// Patterns of runbooks/fields.ts and the step schemas that read better as words than as a regular expression.
const NAMED_PATTERNS: Record<string, Problem['code']> = {
	'^[a-z0-9]([a-z0-9-]{0,62}[a-z0-9])?$': 'name',
	'^[a-z0-9_]([a-z0-9_-]{0,62}[a-z0-9_])?$': 'name',
	'^(\\d+(?:\\.\\d+)?)(ms|s|m|h|d)$': 'duration',
	'^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}(:\\d{2}(\\.\\d+)?)?(Z|[+-]\\d{2}:\\d{2})$': 'dateTime'
};

export const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** A string that is one `${{ }}` expression and nothing else, as the expression branches of the schemas require. */
export const isExpression = (value: unknown): value is string => typeof value === 'string' && /^\$\{\{[\s\S]*\}\}$/.test(value.trim());

/** `statementTimeout` → "Statement timeout", `maxLatencyMs` → "Max latency ms". */
export function humanise(name: string): string {
	const words = name
		.replace(/([a-z0-9])([A-Z])/g, '$1 $2')
		.replace(/[_-]+/g, ' ')
		.trim()
		.toLowerCase();
	return words.charAt(0).toUpperCase() + words.slice(1);
}

/**
 * The default a field takes when it is left out: the schema's `default`, else what its
 * description says ("pg_dump format (default custom)", "default: all of them"), as the step
 * schemas keep defaults out of the input side.
 */
export function defaultOf(schema: JsonSchema): string | undefined {
	if (schema.default !== undefined) return typeof schema.default === 'string' ? schema.default : JSON.stringify(schema.default);
	const description = typeof schema.description === 'string' ? schema.description : '';
	const match = /\(default:? ([^)]+)\)/i.exec(description) ?? /^default:? (.+)$/i.exec(description);
	return match?.[1].trim();
}

/** The branches of a union (nested unions flattened), or the schema itself. */
export function branches(schema: JsonSchema): JsonSchema[] {
	const union = (schema.anyOf ?? schema.oneOf) as JsonSchema[] | undefined;
	// An object with `oneOf: [{required}, …]` (wait) is one object with a rule, not a union.
	if (!Array.isArray(union) || schema.type !== undefined || schema.properties !== undefined) return [schema];
	return union.flatMap(branches);
}

const isExpressionBranch = (schema: JsonSchema) => schema.type === 'string' && schema.pattern === EXPRESSION_PATTERN;

function kindOf(schema: JsonSchema): Kind {
	if (isExpressionBranch(schema)) return 'expression';
	if (Array.isArray(schema.enum) || schema.const !== undefined) return 'choice';
	const type = schema.type;
	if (Array.isArray(type)) return type.includes('string') ? 'text' : 'raw';
	if (type === 'string') return 'text';
	if (type === 'integer' || type === 'number') return 'number';
	if (type === 'boolean') return 'boolean';
	if (type === 'array') return 'list';
	if (type === 'object' && isObject(schema.properties)) return 'group';
	return 'raw';
}

/**
 * The ways a field can be written, merged so the form stays simple: text and numbers share one
 * input (digits become a number), and an expression needs no control of its own where a text
 * input already accepts one.
 */
export function representations(schema: JsonSchema): Representation[] {
	const all = branches(schema).map((branch) => ({ kind: kindOf(branch), schema: branch }));
	const has = (kind: Kind) => all.some((r) => r.kind === kind);
	const reps: Representation[] = [];
	for (const { kind, schema: branch } of all) {
		if (kind === 'expression' && (has('text') || has('number'))) continue;
		if (kind === 'number' && has('text')) continue;
		if (reps.some((r) => r.kind === kind)) {
			if (kind === 'choice') {
				const rep = reps.find((r) => r.kind === 'choice')!;
				rep.options = [...rep.options!, ...optionsOf(branch)];
			}
			continue;
		}
		if (kind === 'choice') reps.push({ kind, schema: branch, options: optionsOf(branch) });
		else if (kind === 'text') reps.push({ kind, schema: branch, numeric: has('number') });
		else reps.push({ kind, schema: branch });
	}
	return reps.length ? reps : [{ kind: 'raw', schema }];
}

function optionsOf(schema: JsonSchema): (string | number | boolean)[] {
	return Array.isArray(schema.enum) ? (schema.enum as (string | number | boolean)[]) : [schema.const as string | number | boolean];
}

/**
 * The representation that holds `value`: what the user picked (`chosen`) while the value still
 * fits it, so typing `$` into an expression field does not turn it into a choice; else the one the
 * value's type says; `raw` when none fits.
 */
export function pick(reps: readonly Representation[], value: unknown, chosen?: Kind): Representation {
	const find = (...kinds: Kind[]) => reps.find((r) => kinds.includes(r.kind));
	const picked = chosen && find(chosen);
	if (value === undefined) return picked || reps[0];
	if (picked && fits(picked, value)) return picked;
	if (isExpression(value)) return find('expression', 'text', 'number') ?? { kind: 'raw', schema: {} };
	return reps.find((r) => r.kind === 'choice' && fits(r, value)) ?? reps.find((r) => r.kind !== 'raw' && fits(r, value)) ?? (isScalar(value) ? find('choice') : undefined) ?? find('raw') ?? { kind: 'raw', schema: reps.length === 1 ? reps[0].schema : {} };
}

const isScalar = (value: unknown) => ['string', 'number', 'boolean'].includes(typeof value);

/** Whether the control of `rep` can show `value` (a wrong but showable value stays in its control, where the check flags it). */
function fits(rep: Representation, value: unknown): boolean {
	switch (rep.kind) {
		case 'expression':
			return typeof value === 'string';
		case 'text':
		case 'number':
			return typeof value === 'string' || typeof value === 'number';
		case 'choice':
			return rep.options!.includes(value as string);
		case 'boolean':
			return typeof value === 'boolean';
		case 'list':
			return Array.isArray(value);
		case 'group':
			return isObject(value);
		default:
			return true;
	}
}

const NUMBER = /^-?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

/** What a text input's content stands for: a number where the field takes numbers, else the text; empty is "left out". */
export function fromText(text: string, numeric: boolean): string | number | undefined {
	if (text === '') return undefined;
	if (numeric && NUMBER.test(text.trim())) return Number(text.trim());
	return text;
}

export const toText = (value: unknown): string => (value === undefined || value === null ? '' : typeof value === 'object' ? JSON.stringify(value) : String(value));

/** The first problem with `value` for a field of `schema`; a union passes when any branch does. `preferred` explains a failure. */
export function check(schema: JsonSchema, value: unknown, required: boolean, preferred?: JsonSchema): Problem | undefined {
	if (value === undefined || value === '') return required ? { code: 'required' } : undefined;
	const all = branches(schema);
	const problems = all.map((branch) => checkBranch(branch, value));
	if (problems.some((p) => p === undefined)) return undefined;
	if (preferred) {
		const index = all.indexOf(preferred);
		if (index >= 0 && problems[index]!.code !== 'type') return problems[index];
	}
	// The branch whose type fits got further than the others: its problem explains best.
	const deeper = problems.find((p, i) => p!.code !== 'type' && !(isExpressionBranch(all[i]) && !isExpression(value) && typeof value === 'string' && all.length > 1));
	if (deeper) return deeper;
	const expected = [...new Set(all.filter((b) => !isExpressionBranch(b)).map(typeName))].join(', ');
	return { code: 'type', params: { expected: expected || 'expression' } };
}

function typeName(schema: JsonSchema): string {
	if (Array.isArray(schema.enum) || schema.const !== undefined) return 'choice';
	return Array.isArray(schema.type) ? schema.type.join(', ') : String(schema.type ?? 'value');
}

function checkBranch(schema: JsonSchema, value: unknown): Problem | undefined {
	if (isExpressionBranch(schema)) return isExpression(value) ? undefined : { code: 'expression' };
	if (schema.const !== undefined) return value === schema.const ? undefined : { code: 'enum', params: { values: String(schema.const) } };
	if (Array.isArray(schema.enum)) return schema.enum.includes(value) ? undefined : { code: 'enum', params: { values: schema.enum.join(', ') } };
	const types = Array.isArray(schema.type) ? (schema.type as string[]) : schema.type === undefined ? undefined : [schema.type as string];
	if (types && !types.some((type) => hasType(value, type))) {
		if (types.includes('integer') && typeof value === 'number') return { code: 'integer' };
		return { code: 'type', params: { expected: types.join(', ') } };
	}
	if (typeof value === 'string') {
		if (typeof schema.minLength === 'number' && value.length < schema.minLength) return { code: 'minLength', params: { count: schema.minLength } };
		if (typeof schema.pattern === 'string' && !new RegExp(schema.pattern).test(value)) return { code: NAMED_PATTERNS[schema.pattern] ?? 'pattern' };
	}
	if (typeof value === 'number') {
		if (typeof schema.minimum === 'number' && value < schema.minimum) return { code: 'minimum', params: { limit: schema.minimum } };
		if (typeof schema.exclusiveMinimum === 'number' && value <= schema.exclusiveMinimum) return { code: 'exclusiveMinimum', params: { limit: schema.exclusiveMinimum } };
		if (typeof schema.maximum === 'number' && value > schema.maximum) return { code: 'maximum', params: { limit: schema.maximum } };
	}
	if (Array.isArray(value) && typeof schema.minItems === 'number' && value.length < schema.minItems) return { code: 'minItems', params: { count: schema.minItems } };
	return undefined;
}

function hasType(value: unknown, type: string): boolean {
	switch (type) {
		case 'integer':
			return Number.isInteger(value);
		case 'number':
			return typeof value === 'number' && Number.isFinite(value);
		case 'array':
			return Array.isArray(value);
		case 'object':
			return isObject(value);
		case 'null':
			return value === null;
		default:
			return typeof value === type;
	}
}

/** Left out of the YAML: nothing, empty text, an empty list or mapping. */
export const isEmpty = (value: unknown): boolean =>
	value === undefined || value === '' || (Array.isArray(value) && value.length === 0) || (isObject(value) && Object.keys(value).length === 0);

/** `object` with `key` set to `value`, or without it when the value is empty; the key keeps its place. */
export function withKey<T extends Record<string, unknown>>(object: T, key: string, value: unknown): T {
	if (isEmpty(value)) {
		const rest: Record<string, unknown> = { ...object };
		delete rest[key];
		return rest as T;
	}
	return { ...object, [key]: value };
}

/** A path as the builder reports it, in one spelling: `with.to[0]` and `with.to.0` are the same place. */
export const normalisePath = (path: string): string => path.replace(/\[(\d+)\]/g, '.$1').replace(/^\./, '');

export const childPath = (path: string, key: string | number): string => (typeof key === 'number' ? `${path}[${key}]` : path ? `${path}.${key}` : key);

/** The findings at `path`, and with `below` also those inside it (a YAML area shows what it holds). */
export function errorsAt<T extends { path: string }>(errors: readonly T[], path: string, below = false): T[] {
	const here = normalisePath(path);
	return errors.filter((e) => {
		const at = normalisePath(e.path);
		return at === here || (below && at.startsWith(`${here}.`));
	});
}

/** A DOM id for the field at `path`, unique within the panel `prefix` names. */
export const fieldId = (prefix: string, path: string): string => `${prefix}-${normalisePath(path).replace(/[^A-Za-z0-9_-]+/g, '-')}`;
