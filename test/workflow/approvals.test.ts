import type { ApplicationFailure } from '@temporalio/common';
import { WorkflowFailedError } from '@temporalio/client';
import { describe, it } from 'vitest';
import { decide, ok, people, refusalOf, stepStatus, useRunbookRunEnvironment, waitForState, type RunHandle } from './harness.ts';

/**
 * Approval steps and implicit gates: decisions arrive as the `decide` Update while the run waits.
 * Timeouts and escalations run on the test server's skipped time: hours pass in milliseconds.
 */
const { run, env } = useRunbookRunEnvironment({ timeSkipping: true });

const waiting = (handle: RunHandle, stepId: string) => waitForState(handle, (s) => stepStatus(s, stepId) === 'waiting');
const failureOf = (error: unknown) => (error as WorkflowFailedError).cause as ApplicationFailure;

describe('approvals', () => {
	it('completes on a quorum of two distinct approvers and passes the decisions on', async ({ task, expect }) => {
		const yaml = `spec:
  inputs: { release: { type: string } }
  steps:
    - { id: prep, uses: backup.verify }
    - id: approve
      uses: approval
      with: { approvers: [role:approver], quorum: 2, message: "Apply release \${{ inputs.release }}?", show: [steps.prep.outputs, steps.prep.outputs.mismatches] }
    - { id: apply, uses: notify, with: { by: "\${{ steps.approve.outputs.decisions[1].actor.username }}" } }
`;
		const seen: unknown[] = [];
		const { value, decisions, changes } = await run(
			task.name,
			yaml,
			{ 'backup.verify': async () => ({ mismatches: 0 }), notify: async (_ctx, params) => (seen.push(params), { delivered: 1 }) },
			{
				inputs: { release: '7.2' },
				drive: async (handle) => {
					const state = await waiting(handle, 'approve');
					expect(state.pendingApprovals).toEqual([
						expect.objectContaining({
							stepId: 'approve',
							message: 'Apply release 7.2?',
							approvers: ['role:approver'],
							quorum: 2,
							fourEyes: true,
							decisions: [],
							evidence: [
								{ path: 'steps.prep.outputs', value: { mismatches: 0 } },
								{ path: 'steps.prep.outputs.mismatches', value: 0 }
							]
						})
					]);
					expect(await decide(handle, 'approve', 'approve', people.bob, 'looks fine')).toEqual({ stepId: 'approve', verdict: 'pending', approvals: 1, quorum: 2 });
					expect(await refusalOf(decide(handle, 'approve', 'approve', people.bob))).toBe('AlreadyDecided');
					expect(await decide(handle, 'approve', 'approve', people.carol)).toEqual({ stepId: 'approve', verdict: 'approved', approvals: 2, quorum: 2 });
				}
			}
		);
		expect(value?.status).toBe('succeeded');
		expect(value?.outputs.approve.decisions).toEqual([
			expect.objectContaining({ actor: { id: 'u-bob', username: 'bob' }, decision: 'approve', comment: 'looks fine' }),
			expect.objectContaining({ actor: { id: 'u-carol', username: 'carol' }, decision: 'approve' })
		]);
		expect(seen).toEqual([{ by: 'carol' }]);
		expect(decisions.map((d) => [d.stepId, d.actor.username, d.decision])).toEqual([
			['approve', 'bob', 'approve'],
			['approve', 'carol', 'approve']
		]);
		expect(changes.filter((c) => c.stepId === 'approve').map((c) => c.status)).toEqual(['waiting', 'succeeded']);
	});

	it('fails the step on a reject, and onFailure rollback undoes what ran before it', async ({ task, expect }) => {
		const yaml = `spec:
  onFailure: rollback
  steps:
    - { id: backup, uses: postgres.backup, rollback: { uses: notify } }
    - { id: approve, uses: approval, with: { approvers: [role:approver], quorum: 2 } }
    - { id: apply, uses: notify }
`;
		const { calls, changes, finished, error, decisions } = await run(
			task.name,
			yaml,
			{ 'postgres.backup': ok, notify: ok },
			{
				drive: async (handle) => {
					await waiting(handle, 'approve');
					expect(await decide(handle, 'approve', 'reject', people.bob, 'not tonight')).toMatchObject({ verdict: 'rejected', approvals: 0 });
				}
			}
		);
		expect(decisions).toEqual([{ stepId: 'approve', actor: { id: 'u-bob', username: 'bob' }, decision: 'reject', comment: 'not tonight' }]);
		expect(changes.find((c) => c.stepId === 'approve' && c.status === 'failed')?.error).toBe('rejected by bob: not tonight');
		expect(changes.find((c) => c.stepId === 'apply')).toMatchObject({ status: 'cancelled' });
		expect(calls).toEqual(['postgres.backup:backup', 'notify:backup.rollback']);
		expect(finished).toEqual(['rolled_back']);
		expect(failureOf(error).message).toBe('step approve failed: rejected by bob: not tonight');
	});

	it('refuses the initiator, people not listed, repeat and misplaced decisions before they reach history', async ({ task, expect }) => {
		const yaml = `spec:
  steps:
    - { id: approve, uses: approval, with: { approvers: [role:approver, user:dave] } }
    - { id: apply, uses: notify }
`;
		// The next step holds the run open until the last refusal is in: a closed run refuses nothing.
		let release!: () => void;
		const held = new Promise<void>((r) => (release = r));
		const { value, decisions, fetchHistory } = await run(
			task.name,
			yaml,
			{ notify: async (ctx, params) => (await held, ok(ctx, params)) },
			{
				drive: async (handle) => {
					await waiting(handle, 'approve');
					// alice holds the approver role but started the run; erin is an admin, which is not enough.
					expect(await refusalOf(decide(handle, 'approve', 'approve', people.alice))).toBe('FourEyes');
					expect(await refusalOf(decide(handle, 'approve', 'reject', people.alice))).toBe('FourEyes');
					expect(await refusalOf(decide(handle, 'approve', 'approve', people.erin))).toBe('NotEligible');
					expect(await refusalOf(decide(handle, 'apply', 'approve', people.bob))).toBe('StepNotWaiting');
					expect(await refusalOf(decide(handle, 'nope', 'approve', people.bob))).toBe('UnknownStep');
					expect(await refusalOf(decide(handle, 'approve', 'maybe' as 'approve', people.bob))).toBe('InvalidDecision');
					expect(await decide(handle, 'approve', 'approve', people.dave)).toMatchObject({ verdict: 'approved' });
					expect(await refusalOf(decide(handle, 'approve', 'approve', people.bob))).toBe('StepNotWaiting');
					release();
				}
			}
		);
		expect(value?.status).toBe('succeeded');
		expect(decisions.map((d) => d.actor.username)).toEqual(['dave']);
		const accepted = (await fetchHistory()).events?.filter((e) => e.workflowExecutionUpdateAcceptedEventAttributes) ?? [];
		expect(accepted).toHaveLength(1);
	});

	it('widens the approvers at each escalation and fails at the timeout', async ({ task, expect }) => {
		const yaml = `spec:
  steps:
    - id: approve
      uses: approval
      with: { approvers: [user:bob], quorum: 2, timeout: 4h, onTimeout: fail, escalate: [{ after: 1h, to: user:dave }, { after: 5h, to: role:admin }] }
    - { id: apply, uses: notify }
`;
		const { calls, changes, escalations, finished, error } = await run(
			task.name,
			yaml,
			{ notify: ok },
			{
				drive: async (handle) => {
					const state = await waiting(handle, 'approve');
					// The 5h escalation falls after the 4h timeout: it can never happen, so it is not shown.
					expect(state.pendingApprovals[0].escalations).toEqual([expect.objectContaining({ to: 'user:dave', reached: false })]);
					expect(state.pendingApprovals[0].deadline).toBeDefined();
					expect(await refusalOf(decide(handle, 'approve', 'approve', people.dave))).toBe('NotEligible');
					await env().sleep('1h');
					const escalated = await waitForState(handle, (s) => s.pendingApprovals[0]?.escalations[0].reached === true);
					expect(escalated.pendingApprovals[0].approvers).toEqual(['user:bob', 'user:dave']);
					expect(await decide(handle, 'approve', 'approve', people.dave)).toMatchObject({ verdict: 'pending', approvals: 1 });
				}
			}
		);
		expect(escalations).toEqual([{ stepId: 'approve', to: 'user:dave' }]);
		expect(changes.find((c) => c.stepId === 'approve' && c.status === 'failed')?.error).toBe('timed out: 1 of 2 approvals within 4h');
		expect(calls).toEqual([]);
		expect(finished).toEqual(['failed']);
		expect(failureOf(error).type).toBe('StepFailed');
	});

	it('skips an approval at its timeout when onTimeout is skip, and with it the high-risk step it covered', async ({ task, expect }) => {
		const yaml = `spec:
  steps:
    - { id: approve, uses: approval, with: { approvers: [role:approver], timeout: 1h, onTimeout: skip } }
    - { id: purge, uses: postgres.backup, risk: high }
    - { id: tell, uses: notify }
`;
		const { calls, changes, added, value } = await run(task.name, yaml, { 'postgres.backup': ok, notify: ok });
		expect(added).toEqual([]);
		expect(changes.find((c) => c.stepId === 'approve' && c.status === 'skipped')?.event).toEqual({ kind: 'step.skipped', details: { reason: 'approval_timed_out', approvals: 0, quorum: 1, timeout: '1h' } });
		expect(changes.find((c) => c.stepId === 'purge')).toMatchObject({ status: 'skipped', event: { kind: 'step.skipped', details: { reason: 'not_approved', approvals: ['approve'] } } });
		expect(calls).toEqual(['notify:tell']);
		expect(value?.status).toBe('succeeded');
	});

	it('puts an implicit gate before a high-risk step with no approval on its path', async ({ task, expect }) => {
		const yaml = `spec:
  steps:
    - { id: prep, uses: backup.verify }
    - { id: purge, uses: postgres.backup, risk: high, with: { keep: "\${{ steps.prep.outputs.mismatches }}" } }
    - { id: tell, uses: notify }
`;
		let purgeRan = false;
		const { calls, added, value, decisions, events } = await run(
			task.name,
			yaml,
			{ 'backup.verify': async () => ({ mismatches: 3 }), 'postgres.backup': async () => ((purgeRan = true), { purged: 1 }), notify: ok },
			{
				drive: async (handle) => {
					const state = await waiting(handle, 'purge.approval');
					expect(state.steps.map((s) => [s.id, s.needs])).toEqual([
						['prep', []],
						['purge.approval', ['prep']],
						['purge', ['purge.approval']],
						['tell', ['purge']]
					]);
					expect(state.pendingApprovals).toEqual([
						expect.objectContaining({ stepId: 'purge.approval', gateFor: 'purge', approvers: ['role:approver'], quorum: 1, evidence: [{ path: 'purge.with', value: { keep: 3 } }] })
					]);
					expect(purgeRan).toBe(false);
					expect(await decide(handle, 'purge.approval', 'approve', people.carol)).toMatchObject({ verdict: 'approved' });
				}
			}
		);
		// The gate is in the plan from the start (its row is written with the run's): nothing is added on the way.
		expect(added).toEqual([]);
		expect(events.find((e) => e.stepId === 'purge.approval' && e.kind === 'approval.waiting')?.details).toMatchObject({ round: 1 });
		expect(decisions.map((d) => [d.stepId, d.actor.username])).toEqual([['purge.approval', 'carol']]);
		expect(calls).toEqual(['backup.verify:prep', 'postgres.backup:purge', 'notify:tell']);
		expect(value?.status).toBe('succeeded');
	});

	it('cancelling a run while an approval waits compensates and ends every open step cancelled', async ({ task, expect }) => {
		const yaml = `spec:
  steps:
    - { id: backup, uses: postgres.backup, rollback: { uses: notify } }
    - { id: approve, uses: approval, with: { approvers: [role:approver] } }
    - { id: apply, uses: notify }
`;
		const { calls, changes, finished, error } = await run(
			task.name,
			yaml,
			{ 'postgres.backup': ok, notify: ok },
			{
				drive: async (handle) => {
					await waiting(handle, 'approve');
					await handle.cancel();
				}
			}
		);
		expect(changes.filter((c) => c.status === 'cancelled').map((c) => c.stepId)).toEqual(['approve', 'apply']);
		expect(calls).toEqual(['postgres.backup:backup', 'notify:backup.rollback']);
		expect(finished).toEqual(['cancelled']);
		expect(error).toBeInstanceOf(WorkflowFailedError);
	});
});
