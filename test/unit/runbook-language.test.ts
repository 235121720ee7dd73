import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseDuration } from '../../runbooks/duration.ts';
import { ExpressionError, evaluateString, parsePath, resolveExpressions, type ExpressionContext } from '../../runbooks/expressions.ts';
import { resolveInputs } from '../../runbooks/inputs.ts';
import { parseRunbook } from '../../runbooks/parse.ts';

const header = 'apiVersion: tend/v1\nkind: Runbook\nmetadata: { name: demo, title: Demo }\n';

function errorsOf(source: string) {
	const result = parseRunbook(source);
	if (result.ok) throw new Error('expected the document to be rejected');
	return result.errors;
}

describe('parseRunbook', () => {
	it('accepts the built-in nightly backup and keeps its steps in order', () => {
		const result = parseRunbook(readFileSync(new URL('../../runbooks/crm-nightly-backup.yaml', import.meta.url), 'utf8'));
		expect(result.ok && result.document.spec.steps.map((s) => s.uses)).toEqual(['postgres.backup', 'backup.verify', 'notify', 'backup.prune']);
	});

	it('accepts JSON as well as YAML', () => {
		const doc = { apiVersion: 'tend/v1', kind: 'Runbook', metadata: { name: 'j', title: 'J' }, spec: { steps: [{ id: 'n', uses: 'notify', with: { to: ['role:admin'], subject: 'hi' } }] } };
		expect(parseRunbook(JSON.stringify(doc)).ok).toBe(true);
	});

	it('points malformed YAML at its line and column', () => {
		const [error] = errorsOf(`${header}spec:\n  steps: [ { id: a, uses: notify }\n`);
		expect(error.line).toBeGreaterThanOrEqual(5);
		expect(error.column).toBeGreaterThan(0);
	});

	it('names the path and line of a schema error', () => {
		const errors = errorsOf(`${header}spec:\n  steps:\n    - id: a\n      uses: notify\n      timeout: soon\n`);
		expect(errors).toEqual([expect.objectContaining({ path: 'spec.steps[0].timeout', line: 8, message: expect.stringContaining('duration') })]);
	});

	it('rejects unknown step types, duplicate ids, unknown needs and expressions reading unknown steps or inputs', () => {
		const errors = errorsOf(
			`${header}spec:\n  steps:\n    - id: a\n      uses: teleport\n    - id: a\n      uses: notify\n      needs: [ghost]\n      with: { to: [role:admin], subject: "\${{ steps.later.outputs.x }} \${{ inputs.nope }}" }\n    - id: later\n      uses: notify\n      with: { to: [role:admin], subject: done }\n`
		);
		expect(errors.map((e) => [e.path, e.message])).toEqual([
			['spec.steps[0].uses', expect.stringMatching(/^unknown step type "teleport"; the closest known types are /)],
			['spec.steps[1].id', 'duplicate step id "a" (first used by steps[0])'],
			['spec.steps[1].needs[0]', 'needs unknown step "ghost"; steps: a, later'],
			['spec.steps[1].with.subject', 'expression reads step "later", which runs later'],
			['spec.steps[1].with.subject', 'expression reads unknown input "nope"; the runbook declares no inputs']
		]);
		expect(errors.every((e) => typeof e.line === 'number')).toBe(true);
	});

	it('rejects duplicate keys instead of silently keeping the last', () => {
		expect(errorsOf(`${header}spec:\n  steps:\n    - id: a\n      id: b\n      uses: notify\n`)[0].message).toMatch(/unique/i);
	});
});

describe('expressions', () => {
	const context: ExpressionContext = {
		inputs: { release: '1.2', count: 3 },
		steps: { backup: { outputs: { backupId: 'bk-1', sizes: [10, 20], ok: true } } },
		target: { urls: { health: 'http://x/healthz' } },
		run: { id: 'r1' }
	};

	it('keeps the type of a string that is exactly one expression', () => {
		expect(evaluateString('${{ inputs.count }}', context)).toBe(3);
		expect(evaluateString('${{ steps.backup.outputs.ok }}', context)).toBe(true);
		expect(evaluateString('${{ steps.backup.outputs.sizes[1] }}', context)).toBe(20);
	});

	it('interpolates inside longer strings, and resolves nested data', () => {
		expect(resolveExpressions({ subject: 'CRM ${{ inputs.release }} (${{ run.id }})', to: ['${{ target.urls.health }}'] }, context)).toEqual({
			subject: 'CRM 1.2 (r1)',
			to: ['http://x/healthz']
		});
	});

	it('refuses anything but a path from a known root: no code is ever run', () => {
		expect(() => parsePath('process.exit(1)')).toThrow(ExpressionError);
		expect(() => parsePath('globalThis.x')).toThrow(/must start with/);
	});
});

describe('inputs and durations', () => {
	const runbook = (inputs: Record<string, unknown>) => {
		const result = parseRunbook(`${header}spec:\n  inputs: ${JSON.stringify(inputs)}\n  steps: [ { id: a, uses: notify, with: { to: [role:admin], subject: s } } ]\n`);
		if (!result.ok) throw new Error(JSON.stringify(result.errors));
		return result.document;
	};

	it('fills defaults, coerces types and reports every problem with its path', () => {
		const doc = runbook({ release: { type: 'string', required: true }, dry: { type: 'boolean', default: false }, n: { type: 'number' } });
		expect(resolveInputs(doc, { release: '1.3', n: '4' })).toEqual({ ok: true, inputs: { release: '1.3', dry: false, n: 4 } });
		expect(resolveInputs(doc, { n: 'x', extra: 1 })).toEqual({
			ok: false,
			errors: [
				{ path: 'inputs.release', message: 'input "release" is required' },
				{ path: 'inputs.n', message: 'input "n" must be a number' },
				{ path: 'inputs.extra', message: 'the runbook declares no input "extra"' }
			]
		});
	});

	it('refuses arrays, booleans and blanks for a number, and names inherited names as undeclared', () => {
		const doc = runbook({ n: { type: 'number' }, flag: { type: 'boolean' } });
		const numberError = { path: 'inputs.n', message: 'input "n" must be a number' };
		for (const value of [[3], true, ' ', { valueOf: () => 3 }]) expect(resolveInputs(doc, { n: value })).toEqual({ ok: false, errors: [numberError] });
		expect(resolveInputs(doc, { n: ' 4.5 ' })).toEqual({ ok: true, inputs: { n: 4.5 } });
		const inherited = JSON.parse('{"constructor": 1, "toString": "x", "__proto__": {"n": 1}, "hasOwnProperty": true}') as Record<string, unknown>;
		expect(resolveInputs(doc, inherited)).toEqual({
			ok: false,
			errors: ['constructor', 'toString', '__proto__', 'hasOwnProperty'].map((name) => ({ path: `inputs.${name}`, message: `the runbook declares no input "${name}"` }))
		});
	});

	it('reads only an own key as given: a declared input named like an Object method is missing, not a function', () => {
		const doc = runbook({ constructor: { type: 'string', required: true }, toString: { type: 'string', default: 'kept' } });
		expect(resolveInputs(doc, {})).toEqual({ ok: false, errors: [{ path: 'inputs.constructor', message: 'input "constructor" is required' }] });
		expect(resolveInputs(doc, { constructor: 'c' })).toEqual({ ok: true, inputs: { constructor: 'c', toString: 'kept' } });
	});

	it('parses durations', () => {
		expect([parseDuration('500ms'), parseDuration('10s'), parseDuration('30m'), parseDuration('4h'), parseDuration('2d'), parseDuration(7)]).toEqual([500, 10_000, 1_800_000, 14_400_000, 172_800_000, 7]);
		expect(() => parseDuration('soon')).toThrow(/not a duration/);
	});
});
