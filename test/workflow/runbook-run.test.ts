import type { ApplicationFailure } from '@temporalio/common';
import { WorkflowFailedError } from '@temporalio/client';
import { describe, it } from 'vitest';
import { boom, ok, people, refusalOf, stepStatus, tick, useRunbookRunEnvironment, waitForState } from './harness.ts';

/** The interpreter's semantics against a real Temporal server, with in-memory activities. */
const { run } = useRunbookRunEnvironment();

describe('runbookRun', () => {
	it('runs steps in order and passes outputs to later steps through expressions', async ({ task, expect }) => {
		const seen: unknown[] = [];
		const { calls, value, finished } = await run(
			task.name,
			'spec:\n  steps:\n    - { id: backup, uses: postgres.backup, with: { database: main } }\n    - { id: tell, uses: notify, with: { subject: "got ${{ steps.backup.outputs.backupId }}", size: "${{ steps.backup.outputs.size }}" } }\n',
			{
				'postgres.backup': async () => ({ backupId: 'bk-7', size: 42 }),
				notify: async (_ctx, params) => {
					seen.push(params);
					return { delivered: 1 };
				}
			}
		);
		expect(calls).toEqual(['postgres.backup:backup', 'notify:tell']);
		expect(seen).toEqual([{ subject: 'got bk-7', size: 42 }]);
		expect(value?.status).toBe('succeeded');
		expect(finished).toEqual(['succeeded']);
	});

	it('runs short steps on the run’s own worker as local activities, with the step’s retries, and long ones as ordinary activities', async ({ task, expect }) => {
		let checks = 0;
		const { value, fetchHistory, changes } = await run(
			task.name,
			'spec:\n  steps:\n    - { id: poll, uses: sql.check, retry: { maxAttempts: 3, initialInterval: 10ms }, with: { query: "select true" } }\n    - { id: write, uses: sql.exec, risk: low }\n    - { id: quick, uses: notify, timeout: 2s }\n    - { id: backup, uses: postgres.backup }\n',
			{
				'sql.check': async () => {
					checks += 1;
					if (checks < 3) throw new Error(`not yet ${checks}`);
					return { ok: true, rows: [] };
				},
				'sql.exec': async () => ({ rowCount: 1 }),
				notify: async () => ({ delivered: 1 }),
				'postgres.backup': async () => ({ backupId: 'bk' })
			}
		);
		expect(value?.status).toBe('succeeded');
		expect(checks).toBe(3);
		const events = (await fetchHistory()).events ?? [];
		const scheduled = events.flatMap((e) => (e.activityTaskScheduledEventAttributes ? [e.activityTaskScheduledEventAttributes.activityType?.name] : []));
		// Only the backup went through the server; the rest ran as local activities (markers in the history).
		expect(scheduled).toEqual(['postgres.backup']);
		expect(changes.filter((c) => c.stepId === 'poll' && c.attempts !== undefined).map((c) => c.attempts)).toEqual([1, 2, 3]);
	});

	it('runs finally steps after the run ends, whatever its outcome, with run.status in scope, and they never change the outcome', async ({ task, expect }) => {
		const sent: unknown[] = [];
		const notify = async (_ctx: unknown, params: Record<string, unknown>) => (sent.push(params.subject), { delivered: 1 });
		const yaml = (fail: boolean) =>
			`spec:\n  notifyOnFailure: [role:admin]\n  steps:\n    - { id: work, uses: postgres.backup }\n    - { id: after, uses: notify, with: { subject: "never" } }\n  finally:\n    - { id: tidy, uses: backup.prune, retry: { maxAttempts: 1 }, with: { status: "\${{ run.status }}" } }\n    - { id: report, uses: notify, with: { subject: "ended \${{ run.status }}" } }\n`.replace(
				'postgres.backup }',
				fail ? 'postgres.backup, retry: { maxAttempts: 1 } }' : 'postgres.backup }'
			);
		const failed = await run(`${task.name} failing`, yaml(true), { 'postgres.backup': boom, notify, 'backup.prune': async () => { throw new Error('prune broke'); } });
		expect(failed.finished).toEqual(['failed']);
		expect(sent.sort()).toEqual(['Run of t ended failed', 'ended failed']);
		const status = (stepId: string) => failed.changes.filter((c) => c.stepId === stepId).at(-1)?.status;
		// A finally step that fails is recorded as failed, and the next one still runs; the run stays failed.
		expect([status('after'), status('tidy'), status('report'), status('notify.on-failure')]).toEqual(['cancelled', 'failed', 'succeeded', 'succeeded']);

		sent.length = 0;
		const succeeded = await run(`${task.name} succeeding`, yaml(false), { 'postgres.backup': ok, notify, 'backup.prune': ok });
		expect(succeeded.value?.status).toBe('succeeded');
		expect(sent).toEqual(['never', 'ended succeeded']);
		expect(succeeded.changes.filter((c) => c.stepId === 'notify.on-failure').at(-1)?.status).toBe('skipped');
	});

	it('retries a failing step up to maxAttempts and then succeeds', async ({ task, expect }) => {
		let attempts = 0;
		const { value } = await run(task.name, 'spec:\n  steps:\n    - { id: b, uses: postgres.backup, retry: { maxAttempts: 3, initialInterval: 10ms } }\n', {
			'postgres.backup': async () => {
				attempts += 1;
				if (attempts < 3) throw new Error(`transient ${attempts}`);
				return { backupId: 'ok' };
			}
		});
		expect(attempts).toBe(3);
		expect(value?.status).toBe('succeeded');
	});

	it('skips a step whose `if` is false', async ({ task, expect }) => {
		const { calls, changes } = await run(task.name, 'spec:\n  steps:\n    - { id: a, uses: backup.verify }\n    - { id: b, uses: notify, if: "${{ steps.a.outputs.mismatches }}" }\n', {
			'backup.verify': async () => ({ mismatches: 0 }),
			notify: ok
		});
		expect(calls).toEqual(['backup.verify:a']);
		expect(changes.find((c) => c.stepId === 'b')?.status).toBe('skipped');
	});

	it('on failure with rollback, compensates completed steps in reverse order and ends rolled_back', async ({ task, expect }) => {
		const yaml = `spec:
  onFailure: rollback
  steps:
    - { id: one, uses: postgres.backup, rollback: { uses: notify, with: { undo: one } } }
    - { id: two, uses: backup.verify, rollback: { uses: notify, with: { undo: two } } }
    - { id: three, uses: postgres.backup, retry: { maxAttempts: 1 } }
`;
		let n = 0;
		const { calls, error, finished, changes } = await run(task.name, yaml, {
			'postgres.backup': async (ctx) => (ctx.stepId === 'three' ? boom(ctx, {}) : { n: ++n }),
			'backup.verify': ok,
			notify: ok
		});
		expect(calls).toEqual(['postgres.backup:one', 'backup.verify:two', 'postgres.backup:three', 'notify:two.rollback', 'notify:one.rollback']);
		expect(finished).toEqual(['rolled_back']);
		expect(changes.filter((c) => c.status === 'compensated').map((c) => c.stepId)).toEqual(['two', 'one']);
		expect(error).toBeInstanceOf(WorkflowFailedError);
		expect(((error as WorkflowFailedError).cause as ApplicationFailure).type).toBe('StepFailed');
	});

	it('ends rollback_incomplete when a compensation fails, and opens a checklist of what is left to undo', async ({ task, expect }) => {
		const { finished, added, decisions, changes } = await run(
			task.name,
			'spec:\n  onFailure: rollback\n  steps:\n    - { id: one, uses: backup.verify, rollback: { uses: notify } }\n    - { id: two, uses: postgres.backup, retry: { maxAttempts: 1 } }\n',
			{ 'backup.verify': ok, 'postgres.backup': boom, notify: boom },
			{
				drive: async (handle) => {
					const state = await waitForState(handle, (s) => stepStatus(s, 'rollback.manual') === 'waiting');
					expect(state.status).toBe('rollback_incomplete');
					const checklist = state.steps.find((s) => s.id === 'rollback.manual')!.checklist!;
					expect(checklist.items.map((i) => i.text)).toEqual(['Undo step "one" by hand (its rollback notify failed: disk full)']);
					// Checklists are for the people who run maintenance: an approver alone may not tick it.
					expect(await refusalOf(tick(handle, 'rollback.manual', [0], people.bob))).toBe('NotEligible');
					await tick(handle, 'rollback.manual', [0], people.dave, 'restored the verify scratch db by hand');
				}
			}
		);
		expect(finished).toEqual(['rollback_incomplete']);
		expect(added).toEqual(['rollback.manual']);
		expect(decisions).toMatchObject([{ stepId: 'rollback.manual', decision: 'check', actor: { username: 'dave' } }]);
		expect(changes.find((c) => c.stepId === 'rollback.manual' && c.status === 'succeeded')?.outputs).toEqual({ completedBy: ['dave'], notes: 'dave: restored the verify scratch db by hand' });
	});

	it('carries on past a failed step whose onFailure is continue, and stops at one whose policy is stop', async ({ task, expect }) => {
		const { calls, finished, changes } = await run(
			task.name,
			'spec:\n  steps:\n    - { id: a, uses: postgres.backup, onFailure: continue, retry: { maxAttempts: 1 } }\n    - { id: b, uses: notify }\n    - { id: c, uses: backup.verify, retry: { maxAttempts: 1 } }\n    - { id: d, uses: notify }\n',
			{ 'postgres.backup': boom, notify: ok, 'backup.verify': boom }
		);
		expect(calls).toEqual(['postgres.backup:a', 'notify:b', 'backup.verify:c']);
		expect(finished).toEqual(['failed']);
		expect(changes.find((c) => c.stepId === 'd')).toMatchObject({ status: 'cancelled', event: { kind: 'step.cancelled', details: { reason: 'run_stopped', failedStep: 'c' } } });
	});

	it('answers the live-state query while a step runs', async ({ task, expect }) => {
		let release!: () => void;
		const gate = new Promise<void>((r) => (release = r));
		const { value } = await run(
			task.name,
			'spec:\n  steps:\n    - { id: a, uses: postgres.backup }\n',
			{ 'postgres.backup': async () => (await gate, { backupId: 'x' }) },
			{
				drive: async (handle) => {
					const state = await waitForState(handle, (s) => stepStatus(s, 'a') === 'running');
					expect(state).toMatchObject({ status: 'running', initiator: { username: 'alice' }, steps: [{ id: 'a', needs: [] }], pendingApprovals: [] });
					release();
				}
			}
		);
		expect(value?.status).toBe('succeeded');
	});

	it('runs independent branches at the same time and joins them', async ({ task, expect }) => {
		const yaml = `spec:
  steps:
    - { id: left, uses: postgres.backup }
    - { id: right, uses: backup.verify, needs: [] }
    - { id: join, uses: notify, needs: [left, right], with: { sizes: ["\${{ steps.left.outputs.size }}", "\${{ steps.right.outputs.size }}"] } }
`;
		const seen: unknown[] = [];
		// Neither branch finishes until both have started: run one after the other, they would never end.
		let arrived = 0;
		let bothStarted!: () => void;
		const meeting = new Promise<void>((resolve) => (bothStarted = resolve));
		const branch = (size: number) => async () => {
			if (++arrived === 2) bothStarted();
			await meeting;
			return { size };
		};
		const { timeline, value } = await run(task.name, yaml, {
			'postgres.backup': branch(1),
			'backup.verify': branch(2),
			notify: async (_ctx, params) => (seen.push(params), { delivered: 1 })
		});
		// Both steps started before either finished: they overlapped rather than queued.
		const firstEnd = Math.min(timeline.indexOf('end:left'), timeline.indexOf('end:right'));
		expect(timeline.indexOf('start:left')).toBeLessThan(firstEnd);
		expect(timeline.indexOf('start:right')).toBeLessThan(firstEnd);
		expect(timeline.slice(-2)).toEqual(['start:join', 'end:join']);
		expect(seen).toEqual([{ sizes: [1, 2] }]);
		expect(value?.status).toBe('succeeded');
	});

	it('after a failure runs no dependents, lets running branches finish, and compensates in reverse completion order', async ({ task, expect }) => {
		const yaml = `spec:
  onFailure: rollback
  steps:
    - { id: fast, uses: postgres.backup, rollback: { uses: notify } }
    - { id: bad, uses: postgres.backup, retry: { maxAttempts: 1 } }
    - { id: after, uses: notify }
    - { id: slowpoke, uses: backup.verify, needs: [], rollback: { uses: notify } }
    - { id: later, uses: notify, needs: [slowpoke] }
`;
		// slowpoke is still running when bad fails and finishes only once the run has taken the failure in: the order below does not rest on timing luck.
		let release!: () => void;
		const released = new Promise<void>((resolve) => (release = resolve));
		const { calls, changes, finished, error } = await run(
			task.name,
			yaml,
			{
				'postgres.backup': async (ctx) => (ctx.stepId === 'bad' ? boom(ctx, {}) : { id: ctx.stepId }),
				'backup.verify': async () => (await released, { verified: true }),
				notify: ok
			},
			{
				drive: async (handle) => {
					await waitForState(handle, (s) => stepStatus(s, 'bad') === 'failed' && stepStatus(s, 'slowpoke') === 'running');
					release();
				}
			}
		);
		const status = (stepId: string) => changes.filter((c) => c.stepId === stepId).at(-1)?.status;
		expect(status('slowpoke')).toBe('compensated');
		expect(calls).not.toContain('notify:after');
		expect(calls).not.toContain('notify:later');
		expect(changes.filter((c) => c.status === 'cancelled').map((c) => [c.stepId, c.event?.details])).toEqual([
			['after', { reason: 'run_stopped', failedStep: 'bad' }],
			['later', { reason: 'run_stopped', failedStep: 'bad' }]
		]);
		// slowpoke finished after fast, so it is undone first.
		expect(calls.slice(-2)).toEqual(['notify:slowpoke.rollback', 'notify:fast.rollback']);
		expect(finished).toEqual(['rolled_back']);
		expect(((error as WorkflowFailedError).cause as ApplicationFailure).message).toBe('step bad failed: disk full');
	});

	it('fails a run whose needs form a cycle before running anything', async ({ task, expect }) => {
		const { calls, finished, error } = await run(task.name, 'spec:\n  steps:\n    - { id: a, uses: notify, needs: [b] }\n    - { id: b, uses: notify, needs: [a] }\n', { notify: ok });
		expect(calls).toEqual([]);
		expect(finished).toEqual(['failed']);
		expect(((error as WorkflowFailedError).cause as ApplicationFailure).type).toBe('InvalidRunbook');
	});
});
