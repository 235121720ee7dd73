/**
 * What every value from outside must be before anything reads it further: a request body, a
 * document, a form field or a URL. PostgreSQL refuses NUL in text and jsonb (error 22021 or
 * 22P05) and lone UTF-16 surrogates are not Unicode at all, so either would fail deep inside a
 * write; deep nesting overflows recursive code; `__proto__` and its kin reach into prototypes
 * when copied into a plain object. One rule, applied at the boundary, turns each into a 4xx
 * with the path of the offending value. Pure and dependency-free: the builder runs it in the
 * browser too.
 */

export type InputPath = (string | number)[];

export interface UnsafeInput {
	path: InputPath;
	message: string;
	/** The problem is the key at `path`, not its value. */
	key?: boolean;
}

/** Objects and arrays inside each other, counted from the top-level value (0). */
export const MAX_NESTING = 64;
/** Keys that name an object's prototype machinery: never data. */
export const RESERVED_KEYS: readonly string[] = ['__proto__', 'constructor', 'prototype'];
/** At most this many problems are reported for one value: enough to fix, not a flood. */
const MAX_FINDINGS = 20;

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Why `text` cannot be taken as it is, or undefined when it can. */
export function textProblem(text: string): string | undefined {
	if (text.includes('\u0000')) return 'must not contain the NUL character (U+0000)';
	if (LONE_SURROGATE.test(text)) return 'must not contain a lone UTF-16 surrogate (it is not valid Unicode text)';
	return undefined;
}

export function keyProblem(key: string): string | undefined {
	if (RESERVED_KEYS.includes(key)) return `"${key}" is reserved and cannot be used as a key`;
	return textProblem(key);
}

export interface UnsafeInputOptions {
	/**
	 * Objects whose keys are names (dot paths: `spec.inputs`, `inputs`): `constructor` and
	 * `prototype` are names like any other there, read as own keys only; the keys are still
	 * checked as text, and what they hold as any value.
	 */
	namesAt?: readonly string[];
	/**
	 * `__proto__` passes there too, for a caller that checks each name against a declaration and
	 * names it as undeclared (a run's inputs). Elsewhere a schema would drop it without a word.
	 */
	checkedNames?: boolean;
}

/**
 * The problems of a parsed JSON or YAML value, in document order. Iterative rather than
 * recursive, so the check itself cannot overflow on the input it exists to refuse.
 */
export function findUnsafeInput(value: unknown, options: UnsafeInputOptions = {}): UnsafeInput[] {
	const found: UnsafeInput[] = [];
	const stack: Array<{ value: unknown; path: InputPath; depth: number }> = [{ value, path: [], depth: 0 }];
	while (stack.length && found.length < MAX_FINDINGS) {
		const { value: current, path, depth } = stack.pop()!;
		if (typeof current === 'string') {
			const problem = textProblem(current);
			if (problem) found.push({ path, message: problem });
			continue;
		}
		if (typeof current === 'number') {
			if (!Number.isFinite(current)) found.push({ path, message: 'must be a finite number' });
			continue;
		}
		if (current === null || typeof current !== 'object') continue;
		if (depth >= MAX_NESTING) {
			found.push({ path, message: `nests too deep: objects and lists may be at most ${MAX_NESTING} levels deep` });
			continue;
		}
		const children: Array<{ value: unknown; path: InputPath; depth: number }> = [];
		if (Array.isArray(current)) {
			current.forEach((item, index) => children.push({ value: item, path: [...path, index], depth: depth + 1 }));
		} else {
			const names = options.namesAt?.includes(path.join('.'));
			for (const key of Object.keys(current)) {
				const problem = names && (key !== '__proto__' || options.checkedNames) ? textProblem(key) : keyProblem(key);
				if (problem) {
					found.push({ path: [...path, key], message: problem, key: true });
					continue;
				}
				children.push({ value: (current as Record<string, unknown>)[key], path: [...path, key], depth: depth + 1 });
			}
		}
		for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]);
	}
	return found;
}
