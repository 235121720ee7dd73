import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
	ExpressionError,
	evaluateString,
	findExpressions,
	isSingleExpression,
	parseExpression,
	parsePath,
	replaceExpressions,
	resolveExpressions,
	scanExpressions,
	type ExpressionContext
} from '../../runbooks/expressions.ts';

const context: ExpressionContext = {
	inputs: { release: '1.2', count: 3, dry: false, empty: '', list: ['a', 'b'] },
	steps: {
		backup: { outputs: { backupId: 'bk-1', sizes: [10, 20], ok: true, rows: [{ count: '42', 'odd key': 'yes' }] } },
		check: { outputs: { ok: false, mismatches: 0 } }
	},
	target: { name: 'crm-demo', urls: { health: 'http://x/healthz' } },
	run: { id: 'r1', version: 2 },
	item: { name: 'eu', weight: 2 }
};
const value = (body: string) => evaluateString(`\${{ ${body} }}`, context);

describe('expression values', () => {
	it('reads paths with dots, [n] indexes and quoted keys', () => {
		expect(value('steps.backup.outputs.sizes[1]')).toBe(20);
		expect(value('steps.backup.outputs.rows[0].count')).toBe('42');
		expect(value("steps.backup.outputs.rows[0]['odd key']")).toBe('yes');
		expect(value('item.name')).toBe('eu');
		expect(value('inputs.list')).toEqual(['a', 'b']);
		expect(value('steps.backup.outputs.missing.deeper[3]')).toBeUndefined();
	});

	it('reads literals: strings in either quote, numbers, true, false and null', () => {
		expect(value("'it''s'")).toBe("it's");
		expect(value('"say \\"hi\\"\\n"')).toBe('say "hi"\n');
		expect(value('-1.5e2')).toBe(-150);
		expect([value('true'), value('false'), value('null')]).toEqual([true, false, null]);
	});

	it('compares numbers with numbers, and numeric text (how PostgreSQL sends bigint) as numbers', () => {
		expect(value('steps.backup.outputs.rows[0].count > 41')).toBe(true);
		expect(value("steps.backup.outputs.rows[0].count == 42")).toBe(true);
		expect(value('inputs.count >= 3 && inputs.count <= 3 && inputs.count != 4 && inputs.count < 4')).toBe(true);
		expect(value("'10' < '9'")).toBe(true);
		expect(value("'abc' > 1")).toBe(false);
		expect(value('true > false')).toBe(false);
	});

	it('treats a missing value as null, and compares lists and mappings by content', () => {
		expect(value('steps.nope.outputs.x == null')).toBe(true);
		expect(value("inputs.list == steps.backup.outputs.sizes")).toBe(false);
		expect(evaluateString('${{ steps.backup.outputs.rows[0] == steps.backup.outputs.rows[0] }}', context)).toBe(true);
	});

	it('has && and || return an operand, so || gives a default, and ! negate truthiness', () => {
		expect(value("inputs.empty || 'fallback'")).toBe('fallback');
		expect(value("inputs.release && 'set'")).toBe('set');
		expect(value('!inputs.dry')).toBe(true);
		expect(value('!!steps.check.outputs.mismatches')).toBe(false);
	});

	it('binds ! tighter than comparisons, comparisons tighter than &&, && tighter than ||, and honours parentheses', () => {
		expect(value('true || false && false')).toBe(true);
		expect(value('(true || false) && false')).toBe(false);
		expect(value('!steps.check.outputs.ok == true')).toBe(true);
		expect(value('1 < 2 == true')).toBe(true);
	});

	it('keeps the type of a string that is exactly one expression, and interpolates text otherwise', () => {
		expect(evaluateString('${{ inputs.count }}', context)).toBe(3);
		expect(evaluateString('${{ steps.backup.outputs.ok }}', context)).toBe(true);
		expect(evaluateString(' ${{ inputs.count }}', context)).toBe(' 3');
		expect(evaluateString('n=${{ inputs.count }}, list=${{ inputs.list }}, none=${{ inputs.nope }}', context)).toBe('n=3, list=["a","b"], none=');
		expect(evaluateString('no expressions here', context)).toBe('no expressions here');
	});

	it('does not end an expression at a }} inside a string literal', () => {
		expect(evaluateString("${{ inputs.nope || '}}' }}", context)).toBe('}}');
		expect(scanExpressions("a ${{ '}}' }} b ${{ run.id }}").map((s) => s.body.trim())).toEqual(["'}}'", 'run.id']);
	});

	it('resolves nested data and leaves other values alone', () => {
		expect(resolveExpressions({ subject: 'CRM ${{ inputs.release }} (${{ run.id }})', to: ['${{ target.urls.health }}'], n: 1, flag: null }, context)).toEqual({
			subject: 'CRM 1.2 (r1)',
			to: ['http://x/healthz'],
			n: 1,
			flag: null
		});
	});

	it('never reaches past the data into prototypes or globals', () => {
		expect(value('inputs.constructor')).toBeUndefined();
		expect(value('inputs.__proto__')).toBeUndefined();
		expect(value("inputs['toString']")).toBeUndefined();
		expect(() => parsePath('process.exit(1)')).toThrow(ExpressionError);
		expect(() => parsePath('globalThis.x')).toThrow(/must start with/);
		expect(() => value('constructor')).toThrow(/not something an expression can read/);
	});
});

describe('expression syntax errors', () => {
	const offsetOf = (body: string) => {
		try {
			parseExpression(body);
		} catch (error) {
			expect(error).toBeInstanceOf(ExpressionError);
			return { message: (error as ExpressionError).message, offset: (error as ExpressionError).offset };
		}
		throw new Error(`"${body}" parsed`);
	};

	it.each([
		['inputs.a = 1', 9, /use ==/],
		['inputs.a & inputs.b', 9, /use && for and/],
		['inputs.a | inputs.b', 9, /use \|\| for or/],
		['inputs.a +1', 9, /unexpected character "\+"/],
		['(inputs.a', 9, /expected \) to close/],
		['inputs.', 7, /expected a name after "."/],
		['inputs.rows.0', 12, /use \[n\] to index/],
		['inputs[-1]', 7, /expected an index/],
		["'open", 0, /never closed/],
		['"bad \\q"', 5, /unknown escape/],
		['inputs.a inputs.b', 9, /after a complete expression/],
		['', 0, /empty/],
		['inputs.a ==', 11, /ends where a value was expected/]
	])('%s → error at %i', (body, offset, message) => {
		const error = offsetOf(body);
		expect(error.message).toMatch(message);
		expect(error.offset).toBe(offset);
	});

	it('stops a hostile nesting with an error, not a stack overflow', () => {
		expect(offsetOf(`${'('.repeat(300)}true${')'.repeat(300)}`).message).toMatch(/nests more than/);
		expect(offsetOf(`${'!'.repeat(500)}true`).message).toMatch(/nests more than/);
	});

	it('refuses a 100,000-term expression, which would build a tree too deep to walk, at the term past the limit', () => {
		const body = Array.from({ length: 100_000 }, () => 'inputs.a').join(' || ');
		const error = offsetOf(body);
		expect(error.message).toMatch(/too long: at most 1000/);
		// Each term and its `||` are four tokens (inputs . a ||): the 1001st token opens term 251.
		expect(error.offset).toBe(250 * 'inputs.a || '.length);
		expect(() => evaluateString(`\${{ ${body} }}`, context)).toThrow(ExpressionError);
		expect(findExpressions({ if: `\${{ ${body} }}` })).toMatchObject([{ root: 'invalid', name: expect.stringMatching(/too long/) }]);
	});

	it('throws at evaluation for text that does not parse, with the offset in the whole string', () => {
		expect(() => evaluateString('x ${{ inputs.a = 1 }}', context)).toThrow(expect.objectContaining({ offset: 15 }));
		expect(() => evaluateString('x ${{ inputs.a', context)).toThrow(/never closed/);
	});
});

describe('finding expressions for validation', () => {
	it('lists every path read, where it is, and each expression that does not parse', () => {
		const found = findExpressions({ a: 'x ${{ inputs.r == steps.b.outputs.c[0] }}', list: ['${{ bad = }}'] });
		expect(found.map(({ path, root, name, segments, offset }) => ({ path, root, name, segments, offset }))).toEqual([
			{ path: ['a'], root: 'inputs', name: 'r', segments: ['r'], offset: 6 },
			{ path: ['a'], root: 'steps', name: 'b', segments: ['b', 'outputs', 'c', 0], offset: 18 },
			{ path: ['list', 0], root: 'invalid', name: expect.stringMatching(/^use ==/), segments: [], offset: 8 }
		]);
	});

	it('tells a single expression from text with expressions, and blanks expressions out for static checks', () => {
		expect([isSingleExpression('${{ a }}'), isSingleExpression(' ${{ a }}'), isSingleExpression('${{ a }}${{ b }}'), isSingleExpression('${{ a')]).toEqual([true, false, false, false]);
		expect(replaceExpressions('user:${{ inputs.u }}@${{ x }}', '1')).toBe('user:1@1');
	});
});

describe('sandbox safety', () => {
	// Workflow code imports these modules: Temporal's sandbox forbids Node built-ins, and replay needs determinism.
	const expressionModules = readdirSync(new URL('../../runbooks/expressions/', import.meta.url)).map((file) => `expressions/${file}`);
	const workflowImported = ['expressions.ts', ...expressionModules, 'catalog.ts', 'step-schemas.ts', 'fields.ts', 'duration.ts', 'schema.ts'];

	it.each(workflowImported)('runbooks/%s imports no Node built-in and uses no clock, randomness or eval', (file) => {
		const source = readFileSync(new URL(`../../runbooks/${file}`, import.meta.url), 'utf8');
		const imports = [...source.matchAll(/^(?:import|export) .* from '([^']+)';$/gm)].map((m) => m[1]);
		expect(imports.every((i) => i === 'zod' || i.startsWith('./'))).toBe(true);
		expect(source).not.toMatch(/\beval\s*\(|new Function|Date\.now|new Date\(|Math\.random|process\.|require\(/);
	});

	it('the expression modules depend on nothing outside their own folder, not even zod', () => {
		for (const file of ['expressions.ts', ...expressionModules]) {
			const source = readFileSync(new URL(`../../runbooks/${file}`, import.meta.url), 'utf8');
			const from = [...source.matchAll(/^(?:import|export) .* from '([^']+)';$/gm)].map((m) => m[1]);
			expect(from.every((specifier) => specifier.startsWith(file === 'expressions.ts' ? './expressions/' : './')), file).toBe(true);
		}
	});
});
