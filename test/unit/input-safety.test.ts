import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { findUnsafeInput, MAX_NESTING, textProblem } from '../../runbooks/input-safety.ts';

describe('the rule every input obeys', () => {
	it('names NUL and lone surrogates, and lets paired surrogates (emoji) through', () => {
		expect(textProblem('a\u0000b')).toMatch(/NUL/);
		expect(textProblem('\ud800')).toMatch(/lone UTF-16 surrogate/);
		expect(textProblem('x\udc00')).toMatch(/lone/);
		expect(textProblem('🛑 ok')).toBeUndefined();
	});

	it('finds a problem at its path: in values, in keys, reserved keys, non-finite numbers, nesting past the bound', () => {
		expect(findUnsafeInput({ a: [1, { b: 'x\u0000' }] })).toEqual([{ path: ['a', 1, 'b'], message: expect.stringMatching(/NUL/) }]);
		expect(findUnsafeInput({ 'k\u0000': 1 })).toEqual([{ path: ['k\u0000'], message: expect.stringMatching(/NUL/), key: true }]);
		expect(findUnsafeInput(JSON.parse('{"inputs": {"__proto__": {"x": 1}}}'))).toEqual([{ path: ['inputs', '__proto__'], message: expect.stringMatching(/reserved/), key: true }]);
		expect(findUnsafeInput({ n: Infinity })).toEqual([{ path: ['n'], message: 'must be a finite number' }]);
		const deep = JSON.parse(`${'['.repeat(100_000)}${']'.repeat(100_000)}`) as unknown;
		expect(findUnsafeInput(deep)).toEqual([{ path: Array(MAX_NESTING).fill(0), message: expect.stringMatching(/64 levels/) }]);
		expect(findUnsafeInput(JSON.parse(`${'['.repeat(MAX_NESTING)}${']'.repeat(MAX_NESTING)}`))).toEqual([]);
	});

	it('lets names be names where a declaration checks them: constructor in a runbook’s inputs, any key in a run’s', () => {
		const declared = JSON.parse('{"spec": {"inputs": {"constructor": {"type": "string"}, "__proto__": {}, "k\\u0000": {}}, "other": {"constructor": 1}}}');
		expect(findUnsafeInput(declared, { namesAt: ['spec.inputs'] }).map((found) => found.path)).toEqual([
			['spec', 'inputs', '__proto__'],
			['spec', 'inputs', 'k\u0000'],
			['spec', 'other', 'constructor']
		]);
		const given = JSON.parse('{"inputs": {"__proto__": {"x": 1}, "constructor": "c"}}');
		expect(findUnsafeInput(given, { namesAt: ['inputs'], checkedNames: true })).toEqual([]);
		expect(findUnsafeInput({ inputs: { a: { constructor: 1 } } }, { namesAt: ['inputs'], checkedNames: true })).toEqual([{ path: ['inputs', 'a', 'constructor'], message: expect.stringMatching(/reserved/), key: true }]);
	});

	it('passes any JSON without those, and finds a NUL put anywhere in it', () => {
		const clean = fc.jsonValue({ maxDepth: 5 }).filter((value) => !/\\u0000|\\ud[89a-f]|__proto__|"constructor"|"prototype"/i.test(JSON.stringify(value)));
		fc.assert(fc.property(clean, (value) => findUnsafeInput(value).length === 0));
		fc.assert(
			fc.property(clean, fc.string(), (value, key) => {
				const found = findUnsafeInput({ [`${key}x`]: [value, 'bad\u0000'] });
				return found.length === 1 && found[0].path.at(-1) === 1;
			})
		);
	});
});
