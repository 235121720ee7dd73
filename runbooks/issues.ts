import type { z } from 'zod';
import { EXPRESSION_MESSAGE } from './fields.ts';
import type { Finding, Path } from './source.ts';
import { suggestion } from './suggest.ts';

/**
 * Zod's issues in words an author can act on: a missing field says it is required, an unknown
 * one is pointed at and compared with the fields that exist, and a union of "a value or an
 * expression" reports what the value should have been.
 */
type Issue = z.core.$ZodIssue;
type Def = { type: string; shape?: Record<string, z.ZodType>; innerType?: z.ZodType; element?: z.ZodType; valueType?: z.ZodType; options?: z.ZodType[]; in?: z.ZodType };

/** `input` is the data that was parsed: with it, a field that is absent is reported as required whatever its type. */
export function describeIssues(issues: readonly Issue[], schema: z.ZodType, base: Path = [], input?: unknown): Finding[] {
	return issues.flatMap((issue) => {
		const relative = issue.path as Path;
		if (input !== undefined && relative.length && ['invalid_type', 'invalid_value', 'invalid_union'].includes(issue.code) && absent(input, relative)) {
			const last = relative.at(-1);
			return [{ path: [...base, ...relative], message: typeof last === 'string' ? `"${last}" is required` : 'a value is required here' }];
		}
		return describe(issue, schema, base);
	});
}

/** True when the mapping holding the last key exists and lacks it. */
function absent(input: unknown, path: Path): boolean {
	let value: unknown = input;
	for (const key of path.slice(0, -1)) {
		if (value === null || typeof value !== 'object') return false;
		value = (value as Record<string | number, unknown>)[key];
	}
	return value !== null && typeof value === 'object' && !Array.isArray(value) && !Object.prototype.hasOwnProperty.call(value, path.at(-1)!);
}

/** `within` is where in `schema` the issue's own path starts: inside a union, its branches' issues are relative to it. */
function describe(issue: Issue, schema: z.ZodType, base: Path, within: Path = []): Finding[] {
	const path: Path = [...base, ...within, ...(issue.path as Path)];
	const last = path.at(-1);
	switch (issue.code) {
		case 'unrecognized_keys':
			return issue.keys.map((key) => {
				const known = objectKeys(schema, [...within, ...(issue.path as Path)]);
				return { path: [...path, key], key: true, message: `unknown field "${key}"${suggestion(key, known, 'fields here')}` };
			});
		case 'invalid_union':
			return describeUnion(issue, schema, base, [...within, ...(issue.path as Path)]);
		case 'invalid_type':
			if (/received undefined$/.test(issue.message)) return [{ path, message: typeof last === 'string' ? `"${last}" is required` : 'a value is required here' }];
			return [{ path, message: `must be ${article(issue.expected)}, not ${received(issue.message)}` }];
		case 'invalid_value':
			return [{ path, message: issue.values.length === 1 ? `must be ${JSON.stringify(issue.values[0])}` : `must be one of: ${issue.values.map(String).join(', ')}` }];
		case 'too_small':
		case 'too_big':
			return [{ path, message: /^Too (small|big)/.test(issue.message) ? bound(issue) : issue.message }];
		case 'invalid_key':
			return [{ path, key: true, message: `"${String(last)}" is not a valid name here: ${issue.issues[0]?.message ?? 'it is not allowed'}` }];
		default:
			return [{ path, message: issue.message }];
	}
}

/**
 * Every branch failed. When one branch is "an expression" and the value was not one, the other
 * branch's problem is the one to report; otherwise the branch that got furthest (its problems lie
 * deepest) explains best, and if none got past the type, the types that would do are listed.
 */
function describeUnion(issue: Extract<Issue, { code: 'invalid_union' }>, schema: z.ZodType, base: Path, within: Path): Finding[] {
	const path: Path = [...base, ...within];
	const branches = issue.errors.filter((branch) => !(branch.length === 1 && branch[0].path.length === 0 && branch[0].message === EXPRESSION_MESSAGE));
	const expressionAllowed = branches.length < issue.errors.length;
	const typeOnly = (branch: readonly Issue[]) => branch.length === 1 && branch[0].path.length === 0 && branch[0].code === 'invalid_type';
	const furthest = branches.filter((branch) => branch.length && !typeOnly(branch));
	const hint = expressionAllowed ? ' (or a ${{ }} expression)' : '';
	const last = path.at(-1);
	if (issue.errors.every((branch) => branch.some((i) => i.path.length === 0 && /received undefined$/.test(i.message))))
		return [{ path, message: typeof last === 'string' ? `"${last}" is required` : 'a value is required here' }];
	if (furthest.length) {
		const best = furthest.reduce((a, b) => (Math.max(...b.map((i) => i.path.length)) > Math.max(...a.map((i) => i.path.length)) ? b : a));
		return best.flatMap((inner) => describe(inner, schema, base, within)).map((f) => (f.path.length === path.length ? { ...f, message: f.message + hint } : f));
	}
	const expected = [...new Set(branches.flatMap((branch) => branch.map((i) => (i.code === 'invalid_type' ? article(i.expected) : undefined)).filter((e) => e !== undefined)))];
	if (expressionAllowed) expected.push('a ${{ }} expression');
	const got = branches[0]?.[0] ? received(branches[0][0].message) : 'this';
	return [{ path, message: expected.length ? `must be ${expected.join(' or ')}, not ${got}` : issue.message }];
}

function bound(issue: Extract<Issue, { code: 'too_small' | 'too_big' }>): string {
	const small = issue.code === 'too_small';
	const limit = Number(small ? (issue as { minimum: number | bigint }).minimum : (issue as { maximum: number | bigint }).maximum);
	const inclusive = issue.inclusive !== false;
	if (issue.origin === 'array' || issue.origin === 'set') return `must hold ${small ? 'at least' : 'at most'} ${limit} item${limit === 1 ? '' : 's'}`;
	if (issue.origin === 'string') return small && limit === 1 ? 'must not be empty' : `must be ${small ? 'at least' : 'at most'} ${limit} characters long`;
	if (small) return inclusive ? `must be at least ${limit}` : `must be more than ${limit}`;
	return inclusive ? `must be at most ${limit}` : `must be less than ${limit}`;
}

function article(type: string): string {
	if (type === 'array') return 'a list';
	if (type === 'object') return 'a mapping';
	if (type === 'int') return 'a whole number';
	return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

function received(message: string): string {
	const match = /received (\w+)$/.exec(message);
	if (!match) return 'this';
	return match[1] === 'null' || match[1] === 'undefined' ? 'null' : article(match[1]);
}

/** The fields the object schema at `path` declares, for suggestions. */
function objectKeys(schema: z.ZodType, path: Path): string[] {
	let candidates: z.ZodType[] = [schema];
	for (const segment of [...path, undefined]) {
		candidates = candidates.flatMap(unwrap);
		if (segment === undefined) break;
		candidates = candidates.flatMap((s) => {
			const def = defOf(s);
			if (def.type === 'object' && typeof segment === 'string' && def.shape?.[segment]) return [def.shape[segment]];
			if (def.type === 'array' && typeof segment === 'number' && def.element) return [def.element];
			if (def.type === 'record' && def.valueType) return [def.valueType];
			return [];
		});
	}
	return candidates.flatMap((s) => Object.keys(defOf(s).shape ?? {}));
}

function unwrap(schema: z.ZodType): z.ZodType[] {
	const def = defOf(schema);
	if (def.innerType) return unwrap(def.innerType);
	if (def.type === 'union' && def.options) return def.options.flatMap(unwrap);
	if (def.type === 'pipe' && def.in) return unwrap(def.in);
	return [schema];
}

function defOf(schema: z.ZodType): Def {
	return schema._zod.def as unknown as Def;
}
