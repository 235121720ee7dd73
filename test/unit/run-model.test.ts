import { describe, expect, it } from 'vitest';
import { compensationId, gateId, guardedStep, itemId, needsWithDefault, planRun, PlanError, plannedRows, retriesFailure, retryDelayMs, retryPolicy, stepNeeds, stepOfCall } from '../../runbooks/run-model.ts';
import type { RunbookDocument, RunbookStep } from '../../runbooks/schema.ts';

const doc = (steps: Array<Partial<RunbookStep> & { id: string; uses: string }>) => ({ spec: { steps: steps.map((s) => ({ with: {}, ...s })) } }) as unknown as RunbookDocument;

describe('the run model', () => {
	it('makes a step without needs follow the one listed before it, and needs: [] a root', () => {
		expect(needsWithDefault(undefined, 'a')).toEqual(['a']);
		expect(needsWithDefault(undefined, undefined)).toEqual([]);
		expect(needsWithDefault([], 'a')).toEqual([]);
		expect([...stepNeeds([{ id: 'a' }, { id: 'b' }, { id: 'c', needs: [] }, { id: 'd', needs: ['a', 'b'] }])]).toEqual([
			['a', []],
			['b', ['a']],
			['c', []],
			['d', ['a', 'b']]
		]);
	});

	it('names what the interpreter adds so it never collides with an author’s step id', () => {
		expect(gateId('purge')).toBe('purge.approval');
		expect(guardedStep('purge.approval')).toBe('purge');
		expect(guardedStep('purge')).toBeUndefined();
		expect(compensationId('update')).toBe('update.rollback');
		expect(stepOfCall(itemId('each', 12))).toBe('each');
	});

	it('puts a gate before a high-risk step only when no approval is upstream, and writes the rows in order', () => {
		const plan = planRun(
			doc([
				{ id: 'a', uses: 'sql.exec', risk: 'low' },
				{ id: 'b', uses: 'sql.exec' },
				{ id: 'ok', uses: 'approval', needs: [] },
				{ id: 'c', uses: 'sql.exec', needs: ['ok'] }
			])
		);
		expect(plan.map((n) => [n.id, n.needs, n.kind])).toEqual([
			['a', [], 'step'],
			['b.approval', ['a'], 'gate'],
			['b', ['b.approval'], 'step'],
			['ok', [], 'step'],
			['c', ['ok'], 'step']
		]);
		expect(plan.find((n) => n.id === 'c')).toMatchObject({ approvals: ['ok'] });
		expect(plannedRows(plan).map((r) => [r.stepId, r.position, r.uses])).toEqual([
			['a', 0, 'sql.exec'],
			['b.approval', 1, 'approval'],
			['b', 2, 'sql.exec'],
			['ok', 3, 'approval'],
			['c', 4, 'sql.exec']
		]);
	});

	it('refuses cycles and unknown needs with the steps named', () => {
		expect(() => planRun(doc([{ id: 'a', uses: 'notify', needs: ['b'] }, { id: 'b', uses: 'notify', needs: ['a'] }]))).toThrow(new PlanError('needs form a cycle among steps a, b'));
		expect(() => planRun(doc([{ id: 'a', uses: 'notify', needs: ['x'] }]))).toThrow('step "a" needs unknown step "x"');
	});

	it('plans a chain of 20,000 steps, and a fan of 5,000 approvals joined above a chain of 10,000, without recursion', () => {
		const chain = Array.from({ length: 20_000 }, (_, i) => ({ id: `s${i}`, uses: i % 2 ? 'sql.exec' : 'approval' }));
		expect(planRun(doc(chain))).toHaveLength(20_000);
		const fan = [...Array.from({ length: 5000 }, (_, i) => ({ id: `a${i}`, uses: 'approval', needs: [] as string[] })), { id: 'join', uses: 'sql.exec', needs: Array.from({ length: 5000 }, (_, i) => `a${i}`) }];
		const below = Array.from({ length: 10_000 }, (_, i) => ({ id: `c${i}`, uses: 'sql.exec' }));
		const planned = planRun(doc([...fan, ...below]));
		expect(planned.find((n) => n.id === 'join')).toMatchObject({ kind: 'step' });
		expect(planned.at(-1)).toMatchObject({ id: 'c9999', kind: 'step' });
	});

	it('retries a false check only when the author asked for retries; other failures by the policy', () => {
		expect(retriesFailure({}, 'SqlCheckFailed')).toBe(false);
		expect(retriesFailure({ retry: { maxAttempts: 5, initialInterval: '10s', backoff: 1 } }, 'SqlCheckFailed')).toBe(true);
		expect(retriesFailure({}, 'SqlTransientError')).toBe(true);
		const policy = retryPolicy({ retry: { maxAttempts: 5, initialInterval: '10s', backoff: 2, maxInterval: '30s' } });
		expect([2, 3, 4, 5].map((attempt) => retryDelayMs(policy, attempt))).toEqual([10_000, 20_000, 30_000, 30_000]);
		expect(retryPolicy({})).toEqual({ maxAttempts: 3, initialIntervalMs: 5000, backoff: 2 });
	});
});
