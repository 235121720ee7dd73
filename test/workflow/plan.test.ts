import { describe, expect, it } from 'vitest';
import { planRun, PlanError } from '../../runbooks/run-model.ts';
import { runbook } from './harness.ts';

/** The graph a run executes, computed from the document alone: no server needed. */
const shape = (yaml: string) => planRun(runbook(yaml)).map((p) => [p.id, p.needs, p.kind === 'step' ? (p.approvals ?? null) : `gate for ${p.gateFor}`]);

describe('planRun', () => {
	it('chains steps without needs and gives steps with needs exactly those', () => {
		expect(shape('spec:\n  steps:\n    - { id: a, uses: notify }\n    - { id: b, uses: notify }\n    - { id: c, uses: notify, needs: [a] }\n    - { id: d, uses: notify, needs: [] }\n')).toEqual([
			['a', [], null],
			['b', ['a'], null],
			['c', ['a'], null],
			['d', [], null]
		]);
	});

	it('gates a high-risk step, by its own risk or its type default, unless an approval is among its ancestors', () => {
		const yaml = `spec:
  steps:
    - { id: migrate, uses: postgres.migrate }
    - { id: side, uses: notify, needs: [], risk: high }
    - { id: approve, uses: approval, needs: [side], with: { approvers: [role:approver] } }
    - { id: exec, uses: sql.exec }
    - { id: calm, uses: sql.exec, risk: low }
`;
		expect(shape(yaml)).toEqual([
			['migrate.approval', [], 'gate for migrate'],
			['migrate', ['migrate.approval'], ['migrate.approval']],
			['side.approval', [], 'gate for side'],
			['side', ['side.approval'], ['side.approval']],
			['approve', ['side'], null],
			['exec', ['approve'], ['approve']],
			['calm', ['exec'], null]
		]);
	});

	it('names the steps caught in a cycle and an unknown need', () => {
		expect(() => shape('spec:\n  steps:\n    - { id: a, uses: notify, needs: [c] }\n    - { id: b, uses: notify }\n    - { id: c, uses: notify }\n')).toThrow(
			new PlanError('needs form a cycle among steps a, b, c')
		);
		expect(() => shape('spec:\n  steps:\n    - { id: a, uses: notify, needs: [x] }\n')).toThrow('step "a" needs unknown step "x"');
	});
});
