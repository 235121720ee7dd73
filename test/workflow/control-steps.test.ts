import { randomUUID } from 'node:crypto';
import { WorkflowFailedError } from '@temporalio/client';
import type { ApplicationFailure } from '@temporalio/common';
import { Worker } from '@temporalio/worker';
import { describe, it } from 'vitest';
import { createLockActivities } from '../../activities/locks.ts';
import type { Config } from '../../shared/config.ts';
import { emergencyStopSignal, overrideFreezeUpdate, runStateQuery, runWorkflowId, targetLockWorkflowId, type RunbookRunInput, type WindowCheck } from '../../workflows/definitions.ts';
import type { runbookRun } from '../../workflows/runbook-run.ts';
import { recordHistory } from '../helpers/temporal-env.ts';
import { boom, decide, ok, people, refusalOf, runbook, stepStatus, tick, useRunbookRunEnvironment, waitForState, type StepImpl } from './harness.ts';

/**
 * forEach, manual, wait, child runs, holds (windows, freezes, emergency stop), resume and target
 * queueing. Timers run on the test server's skipped time: instants come from its clock
 * (`env().currentTimeMs()`, or the `at` the workflow passes to the window check), never `Date.now()`.
 */
const { run, env, bundle, recorder } = useRunbookRunEnvironment({ timeSkipping: true });

const HOUR = 3_600_000;
const iso = (ms: number) => new Date(ms).toISOString();

const failureType = (error: unknown) => ((error as WorkflowFailedError).cause as ApplicationFailure).type;

describe('forEach', () => {
	it('runs an item at a time up to maxConcurrency and collects each item’s outputs in order', async ({ task, expect }) => {
		// The first two items are held until the test has looked at the history: the run must have asked for no third meanwhile.
		let running = 0;
		let peak = 0;
		let arrived = 0;
		let twoRunning!: () => void;
		const bothHeld = new Promise<void>((resolve) => (twoRunning = resolve));
		let release!: () => void;
		const released = new Promise<void>((resolve) => (release = resolve));
		const { value, calls, events } = await run(
			task.name,
			'spec:\n  steps:\n    - id: each\n      uses: notify\n      forEach: { items: [a, b, c, d, e], maxConcurrency: 2 }\n      with: { subject: "${{ item }}" }\n',
			{
				notify: async (_ctx, params) => {
					peak = Math.max(peak, ++running);
					if (++arrived <= 2) {
						if (arrived === 2) twoRunning();
						await released;
					}
					running--;
					return { said: params.subject };
				}
			},
			{
				drive: async (handle) => {
					await bothHeld;
					const scheduled = ((await handle.fetchHistory()).events ?? []).filter((e) => e.activityTaskScheduledEventAttributes);
					expect(scheduled).toHaveLength(2);
					release();
				}
			}
		);
		expect(peak).toBe(2);
		expect(calls.sort()).toEqual(['notify:each[0]', 'notify:each[1]', 'notify:each[2]', 'notify:each[3]', 'notify:each[4]']);
		expect(value?.outputs.each).toEqual({ results: ['a', 'b', 'c', 'd', 'e'].map((said) => ({ said })), succeeded: 5, failed: 0, errors: [] });
		expect(events.filter((e) => e.stepId === 'each' && e.kind === 'step.item')).toHaveLength(5);
	});

	it('tolerates up to maxErrors failed items, then stops starting new ones and fails the step', async ({ task, expect }) => {
		const failing: StepImpl = async (_ctx, params) => (['b', 'd'].includes(params.subject as string) ? boom(_ctx, {}) : { ok: true });
		const tolerant = await run(task.name, 'spec:\n  steps:\n    - id: each\n      uses: notify\n      forEach: { items: [a, b, c], maxErrors: 1 }\n      with: { subject: "${{ item }}" }\n', { notify: failing });
		expect(tolerant.value?.outputs.each).toMatchObject({ succeeded: 2, failed: 1, errors: [{ index: 1, error: 'disk full' }] });

		const strict = await run(`${task.name} strict`, 'spec:\n  steps:\n    - id: each\n      uses: notify\n      forEach: { items: [a, b, c, d, e, f], maxErrors: 1 }\n      retry: { maxAttempts: 1 }\n      with: { subject: "${{ item }}" }\n', { notify: failing });
		// One at a time: a and c succeed, b and d fail, and e and f never start.
		expect(strict.calls).toEqual(['notify:each[0]', 'notify:each[1]', 'notify:each[2]', 'notify:each[3]']);
		expect(failureType(strict.error)).toBe('StepFailed');
		expect(strict.changes.find((c) => c.stepId === 'each' && c.status === 'failed')?.error).toBe('2 of 6 items failed (maxErrors 1), 2 not started; item 1: disk full');
	});

	it('fails the step clearly when items is not a list', async ({ task, expect }) => {
		const { error, changes } = await run(task.name, 'spec:\n  inputs: { list: { type: string } }\n  steps:\n    - id: each\n      uses: notify\n      forEach: { items: "${{ inputs.list }}" }\n', { notify: ok }, { inputs: { list: 'abc' } });
		expect(failureType(error)).toBe('StepFailed');
		expect(changes.find((c) => c.status === 'failed')?.error).toBe('step each: forEach.items must give a list, not string');
	});
});

describe('manual and wait', () => {
	it('waits for every checklist item, from eligible people only, and passes who did it on', async ({ task, expect }) => {
		const { value, decisions } = await run(task.name, 'spec:\n  steps:\n    - { id: check, uses: manual, with: { checklist: [Drain the queue, Tell support], assignees: [role:operator] } }\n    - { id: after, uses: notify }\n', { notify: ok }, {
			drive: async (handle) => {
				await waitForState(handle, (s) => stepStatus(s, 'check') === 'waiting');
				expect(await refusalOf(tick(handle, 'check', [0], people.bob))).toBe('NotEligible');
				expect(await refusalOf(tick(handle, 'check', [7], people.dave))).toBe('InvalidDecision');
				const view = await tick(handle, 'check', [0], people.dave);
				expect(view.items.map((i) => i.done)).toEqual([true, false]);
				expect(await refusalOf(tick(handle, 'check', [0], people.alice))).toBe('AlreadyDecided');
				expect(stepStatus(await handle.query(runStateQuery), 'after')).toBe('pending');
				await tick(handle, 'check', [1], people.alice, 'support knows');
			}
		});
		expect(value?.outputs.check).toEqual({ completedBy: ['dave', 'alice'], notes: 'alice: support knows' });
		expect(decisions.map((d) => d.actor.username)).toEqual(['dave', 'alice']);
	});

	it('fails a checklist at its timeout', async ({ task, expect }) => {
		const { error, changes } = await run(task.name, 'spec:\n  steps:\n    - { id: check, uses: manual, with: { checklist: [one, two], timeout: 8h } }\n', {});
		expect(failureType(error)).toBe('StepFailed');
		expect(changes.find((c) => c.status === 'failed')?.error).toBe('timed out: 0 of 2 items done within 8h');
	});

	it('waits a duration, until a time, and for the next opening of a window, on durable timers', async ({ task, expect }) => {
		// Hours apart on the server's clock: the `until` instant cannot pass before its step starts, however busy the machine.
		const now = await env().currentTimeMs();
		const until = now + 3 * HOUR;
		const opensAt = now + 24 * HOUR;
		const windows = async ({ window, at }: { window?: string; at: string }): Promise<WindowCheck> => {
			const open = Date.parse(at) >= opensAt;
			return { at, maintenance: window ? { name: window, open, ...(open ? {} : { opensAt: iso(opensAt) }) } : null, freeze: null };
		};
		const { value, changes, fetchHistory } = await run(
			task.name,
			`spec:\n  steps:\n    - { id: pause, uses: wait, with: { duration: 1h } }\n    - { id: until, uses: wait, with: { until: "${iso(until)}" } }\n    - { id: window, uses: wait, with: { window: weekend-night } }\n`,
			{},
			{ windows }
		);
		// Each wait is a durable timer in the run's history (the duration's exactly an hour), not a sleep in a worker.
		const timers = ((await fetchHistory()).events ?? []).flatMap((e) => (e.timerStartedEventAttributes ? [e.timerStartedEventAttributes] : []));
		expect(timers.length).toBeGreaterThanOrEqual(3);
		expect(Number(timers[0].startToFireTimeout?.seconds)).toBe(3600);
		expect(Object.keys(value?.outputs ?? {})).toEqual(['pause', 'until', 'window']);
		expect(changes.find((c) => c.stepId === 'until' && c.status === 'waiting')?.event?.details).toEqual({ reason: 'until', until: iso(until) });
		expect(changes.find((c) => c.stepId === 'window' && c.status === 'waiting')?.event?.details).toEqual({ reason: 'window', window: 'weekend-night', opensAt: iso(opensAt) });
		expect(await env().currentTimeMs()).toBeGreaterThanOrEqual(opensAt);
	});
});

describe('holds before risky steps', () => {
	it('holds a risky step until the runbook’s window opens', async ({ task, expect }) => {
		const opensAt = (await env().currentTimeMs()) + 6 * HOUR;
		const windows = async ({ at }: { at: string }): Promise<WindowCheck> => ({
			at,
			maintenance: { name: 'weekend-night', open: Date.parse(at) >= opensAt, opensAt: iso(opensAt) },
			freeze: null
		});
		const { calls, changes } = await run(task.name, 'spec:\n  window: weekend-night\n  steps:\n    - { id: backup, uses: notify }\n    - { id: purge, uses: notify, risk: medium }\n', { notify: ok }, {
			windows,
			drive: async (handle) => {
				const state = await waitForState(handle, (s) => s.steps.find((x) => x.id === 'purge')?.hold?.kind === 'window');
				expect(stepStatus(state, 'backup')).toBe('succeeded');
			}
		});
		expect(calls).toEqual(['notify:backup', 'notify:purge']);
		expect(changes.find((c) => c.stepId === 'purge' && c.status === 'waiting')?.hold).toMatchObject({ kind: 'window', window: 'weekend-night', until: iso(opensAt) });
	});

	it('asks again when an approval given ahead of a window lapses before the risky step runs', async ({ task, expect }) => {
		// The window's opening ends an hour after it is first asked about and opens again half an
		// hour later; a freeze from the first approval holds the step for two hours, past that close.
		let closesAt = 0;
		let freezeUntil = 0;
		const windows = async ({ at }: { at: string }): Promise<WindowCheck> => {
			const now = Date.parse(at);
			if (!closesAt) closesAt = now + HOUR;
			const open = now < closesAt || now > closesAt + HOUR / 2;
			return {
				at,
				maintenance: { name: 'weekend-night', open, closesAt: iso(open && now < closesAt ? closesAt : now + HOUR), ...(open ? {} : { opensAt: iso(closesAt + HOUR / 2) }) },
				freeze: now < freezeUntil ? { name: 'brief', until: iso(freezeUntil) } : null
			};
		};
		let round = 0;
		const { calls, decisions, changes } = await run(task.name, 'spec:\n  window: weekend-night\n  steps:\n    - { id: ask, uses: approval, with: { approvers: [role:approver] } }\n    - { id: apply, uses: postgres.restore, with: { database: main } }\n', { 'postgres.restore': ok }, {
			windows: async (args) => {
				if (round === 1 && !freezeUntil) freezeUntil = Date.parse(args.at) + 2 * HOUR;
				return windows(args);
			},
			drive: async (handle) => {
				await waitForState(handle, (s) => s.pendingApprovals.some((a) => a.stepId === 'ask'));
				round = 1;
				await decide(handle, 'ask', 'approve', people.bob);
				await waitForState(handle, (s) => s.steps.find((x) => x.id === 'apply')?.hold?.kind === 'freeze');
				// Past the freeze: the opening the approval was given in has closed, so it is asked again.
				await env().sleep(3 * HOUR);
				await waitForState(handle, (s) => s.pendingApprovals.some((a) => a.stepId === 'ask'));
				await decide(handle, 'ask', 'approve', people.carol);
			}
		});
		expect(decisions.map((d) => d.actor.username)).toEqual(['bob', 'carol']);
		expect(calls).toEqual(['postgres.restore:apply']);
		expect(changes.filter((c) => c.stepId === 'ask').map((c) => c.status)).toEqual(['waiting', 'succeeded', 'waiting', 'succeeded']);
	});

	it('holds a risky step during a change freeze until an approver other than the initiator overrides it', async ({ task, expect }) => {
		const windows = async ({ at }: { at: string }): Promise<WindowCheck> => ({ at, maintenance: null, freeze: { name: 'year-end', reason: 'books closing', until: iso(Date.parse(at) + HOUR) } });
		const { calls, decisions } = await run(task.name, 'spec:\n  steps:\n    - { id: purge, uses: notify, risk: medium }\n', { notify: ok }, {
			windows,
			drive: async (handle) => {
				const state = await waitForState(handle, (s) => s.steps[0].hold?.kind === 'freeze');
				expect(state.steps[0].hold?.message).toMatch(/^held by change freeze "year-end" \(books closing\) until .+; an approver may override$/);
				const override = (actor: typeof people.bob, reason = 'customer outage') => handle.executeUpdate(overrideFreezeUpdate, { args: [{ stepId: 'purge', reason, actor }] });
				expect(await refusalOf(override(people.alice))).toBe('FourEyes');
				expect(await refusalOf(override(people.dave))).toBe('NotEligible');
				expect(await refusalOf(override(people.bob, ' '))).toBe('InvalidDecision');
				await override(people.bob);
			}
		});
		expect(calls).toEqual(['notify:purge']);
		expect(decisions).toMatchObject([{ stepId: 'purge', decision: 'override', comment: 'customer outage', actor: { username: 'bob' } }]);
	});

	it('pauses risky steps while an emergency stop is in force and lets low-risk ones run', async ({ task, expect }) => {
		const { calls } = await run(task.name, 'spec:\n  steps:\n    - { id: hold, uses: manual, with: { checklist: [go] } }\n    - { id: low, uses: notify }\n    - { id: risky, uses: notify, risk: medium }\n', { notify: ok }, {
			drive: async (handle) => {
				await waitForState(handle, (s) => stepStatus(s, 'hold') === 'waiting');
				await handle.signal(emergencyStopSignal, { id: 'stop-1', active: true, reason: 'database on fire', by: 'erin' });
				await tick(handle, 'hold', [0], people.dave);
				const state = await waitForState(handle, (s) => s.steps.find((x) => x.id === 'risky')?.hold?.kind === 'emergency_stop');
				expect(state.emergencyStop).toEqual({ reason: 'database on fire', by: 'erin' });
				expect(stepStatus(state, 'low')).toBe('succeeded');
				expect(state.steps.find((x) => x.id === 'risky')?.hold?.message).toBe('paused: emergency stop by erin (database on fire)');
				await handle.signal(emergencyStopSignal, { id: 'stop-1', active: false, reason: 'database on fire', by: 'erin' });
			}
		});
		expect(calls).toEqual(['notify:low', 'notify:risky']);
	});
});

describe('resume and child runs', () => {
	it('resumes from the failed step: finished steps keep their outputs and are not repeated', async ({ task, expect }) => {
		const yaml = 'spec:\n  steps:\n    - { id: backup, uses: postgres.backup }\n    - { id: approve, uses: approval, with: { approvers: [role:approver] } }\n    - { id: apply, uses: notify, with: { backup: "${{ steps.backup.outputs.backupId }}" } }\n';
		const seen: unknown[] = [];
		const notify: StepImpl = async (_ctx, params) => (seen.push(params.backup), {});
		const inputs = {};
		const approval = { decisions: [{ actor: { id: 'u-bob', username: 'bob' }, decision: 'approve', at: '2026-01-01T00:00:00Z' }], binding: { version: 1, inputs: 'stale', target: null } };
		// A decision bound to other inputs is not carried over: the approval is asked again.
		const rebound = await run(`${task.name} rebound`, yaml, { 'postgres.backup': ok, notify }, {
			inputs,
			input: { resume: { count: 1, steps: { backup: { status: 'succeeded', outputs: { backupId: 'bk-1' } }, approve: { status: 'succeeded', outputs: approval } } } },
			drive: async (handle) => {
				await waitForState(handle, (s) => stepStatus(s, 'approve') === 'waiting');
				await handle.cancel();
			}
		});
		expect(rebound.calls).toEqual([]);

		const { fingerprint } = await import('../../workflows/fingerprint.ts');
		const bound = { ...approval, binding: { version: 1, inputs: fingerprint(inputs), target: null } };
		const { calls, value } = await run(task.name, yaml, { 'postgres.backup': ok, notify }, {
			inputs,
			input: { resume: { count: 1, steps: { backup: { status: 'succeeded', outputs: { backupId: 'bk-1' } }, approve: { status: 'succeeded', outputs: bound } } } }
		});
		expect(calls).toEqual(['notify:apply']);
		expect(seen).toEqual(['bk-1']);
		expect(value?.outputs.backup).toEqual({ backupId: 'bk-1' });
	});

	it('runs a child runbook as its own run and takes its outputs', async ({ task, expect }) => {
		const child = runbook('spec:\n  inputs: { who: { type: string } }\n  steps:\n    - { id: greet, uses: notify, with: { to: "${{ inputs.who }}" } }\n');
		const prepared: unknown[] = [];
		const { value, calls } = await run(task.name, 'spec:\n  steps:\n    - { id: sub, uses: runbook, with: { name: greeter, inputs: { who: ops } } }\n    - { id: after, uses: notify, with: { child: "${{ steps.sub.outputs.runId }}" } }\n', {
			notify: async (_ctx, params) => ({ to: params.to ?? null })
		}, {
			activities: {
				'runs.prepareChild': async (request: { parent: { runId: string; stepId: string }; runbook: string; inputs: Record<string, unknown> }) => {
					prepared.push(request);
					const runId = `child-of-${request.parent.runId}`;
					const input: RunbookRunInput = { runId, runbook: { name: request.runbook, version: 3 }, document: child, inputs: request.inputs, target: null, initiator: { id: 'u-alice', username: 'alice' }, parent: request.parent };
					return { workflowId: runWorkflowId(runId), input };
				}
			}
		});
		expect(prepared).toMatchObject([{ runbook: 'greeter', inputs: { who: 'ops' }, parent: { stepId: 'sub' } }]);
		expect(calls).toEqual(['notify:greet', 'notify:after']);
		expect(value?.outputs.sub).toMatchObject({ status: 'succeeded', outputs: { greet: { to: 'ops' } } });
	});
});

describe('concurrency: target', () => {
	it('runs one run per target at a time and queues the others visibly, in order', async ({ expect }) => {
		const client = env().client;
		const taskQueue = `test-${randomUUID()}`;
		let release!: () => void;
		const first = new Promise<void>((r) => (release = r));
		const order: string[] = [];
		const { activities } = recorder({
			notify: async (ctx) => {
				order.push(`start:${ctx.runId}`);
				if (ctx.runId === 'r1') await first;
				order.push(`end:${ctx.runId}`);
				return {};
			}
		});
		const lockActivities = createLockActivities({ config: { TEND_TASK_QUEUE: taskQueue } as Config, workflows: client.workflow });
		const worker = await Worker.create({ connection: env().nativeConnection, taskQueue, workflowBundle: bundle(), activities: { ...activities, ...lockActivities } });
		const document = runbook('spec:\n  target: crm-demo\n  concurrency: target\n  steps:\n    - { id: work, uses: notify }\n');
		const start = (runId: string) => {
			const input: RunbookRunInput = { runId, runbook: { name: 't', version: 1 }, document, inputs: {}, target: { name: `crm-${taskQueue}`, title: 'CRM', urls: {} }, initiator: { id: 'u-alice', username: 'alice' } };
			return client.workflow.start<typeof runbookRun>('runbookRun', { taskQueue, workflowId: runWorkflowId(`${runId}-${taskQueue}`), args: [input] });
		};
		await worker.runUntil(async () => {
			const one = await start('r1');
			await waitForState(one, (s) => stepStatus(s, 'work') === 'running');
			const two = await start('r2');
			const queued = await waitForState(two, (s) => s.status === 'queued');
			expect(queued.queue).toEqual({ target: `crm-${taskQueue}`, behind: ['r1'] });
			const three = await start('r3');
			expect((await waitForState(three, (s) => s.status === 'queued')).queue?.behind).toEqual(['r1', 'r2']);
			release();
			// One at a time: each await unlocks the server's time skipping, a lock count shared by the whole server.
			for (const handle of [one, two, three]) await handle.result();
			await recordHistory(client, two.workflowId, 'runbook-run--queued-behind-another-run-on-its-target');
			await recordHistory(client, targetLockWorkflowId(`crm-${taskQueue}`), 'target-lock--hands-a-target-to-three-runs-in-turn');
		});
		expect(order).toEqual(['start:r1', 'end:r1', 'start:r2', 'end:r2', 'start:r3', 'end:r3']);
	});
});
