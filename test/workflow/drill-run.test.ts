import { randomUUID } from 'node:crypto';
import { Worker } from '@temporalio/worker';
import { describe, it } from 'vitest';
import type { DrillRecord } from '../../activities/drills.ts';
import { drillSchema } from '../../runbooks/drill-schema.ts';
import { drillAbortUpdate, drillAckUpdate, drillStateQuery, type DrillRunInput } from '../../workflows/drill-definitions.ts';
import type { drillRun } from '../../workflows/drill-run.ts';
import { recordHistory } from '../helpers/temporal-env.ts';
import { people, useRunbookRunEnvironment } from './harness.ts';

/**
 * The drill workflow's timers on the time-skipping server: escalation to the next level when
 * nobody acknowledges, the maximum duration that aborts the drill, an admin's abort after an
 * acknowledgement — and the scratch copy torn down every time. Activities are recorded, not
 * performed: this is about the workflow's logic (the real ones run in test/integration/drills.test.ts).
 */
const { env, bundle } = useRunbookRunEnvironment({ timeSkipping: true });

const document = drillSchema.parse({
	apiVersion: 'tend/v1',
	kind: 'Drill',
	metadata: { name: 'test-drill', title: 'Test drill' },
	spec: {
		target: 'crm-demo',
		scenario: { fault: 'table.drop', with: { table: 'customers' } },
		recovery: { runbook: 'crm-restore-in-place' },
		objectives: { acknowledge: '5m', rto: '1h', rpo: '1d' },
		responders: ['user:alice', ['role:admin', 'user:bob']],
		escalateAfter: '10m',
		maxDuration: '2h'
	}
});

/** The responder starts the recovery: after the acknowledgement the drill waits for them. */
const byResponder = drillSchema.parse({ ...document, spec: { ...document.spec, recovery: { ...document.spec.recovery, start: 'responder' } } });

function activities(calls: string[], records: DrillRecord[]) {
	const note = (name: string) => async (input: unknown) => {
		calls.push(name);
		return input;
	};
	return {
		'drills.record': async (change: DrillRecord) => void records.push(change),
		'drills.prepareScratch': async () => (calls.push('prepareScratch'), { scratchTarget: 'drill-x', scratchDatabase: 'tend_drill_x', source: 'snapshot', restoreMs: 1 }),
		'drills.snapshot': async () => (calls.push('snapshot'), { 'public.customers': { rows: 10, checksum: '1' } }),
		'drills.injectFault': async () => (calls.push('injectFault'), { at: new Date().toISOString(), summary: 'dropped table customers (10 rows)', affected: 10 }),
		'drills.page': async (input: { level: number }) => (calls.push(`page:${input.level}`), { paged: [] }),
		'drills.recordAct': note('recordAct'),
		'drills.prepareRecovery': note('prepareRecovery'),
		'drills.verify': note('verify'),
		'drills.teardown': async () => (calls.push('teardown'), { dropped: true }),
		'drills.cancelRecovery': note('cancelRecovery')
	};
}

async function start(name: string, doc: typeof document, drive: (handle: ReturnType<typeof env>['client']['workflow'] extends { getHandle: (id: string) => infer H } ? H : never) => Promise<void>) {
	const taskQueue = `test-${randomUUID()}`;
	const calls: string[] = [];
	const records: DrillRecord[] = [];
	const worker = await Worker.create({ connection: env().nativeConnection, taskQueue, workflowBundle: bundle(), activities: activities(calls, records) });
	const input: DrillRunInput = { drillRunId: randomUUID(), drill: { name: 'test-drill', version: 1 }, document: doc, initiator: { id: 'u-alice', username: 'alice' } };
	const workflowId = `drill-${input.drillRunId}`;
	const result = await worker.runUntil(async () => {
		const handle = await env().client.workflow.start<typeof drillRun>('drillRun', { taskQueue, workflowId, args: [input] });
		await drive(handle as never);
		return handle.result();
	});
	await recordHistory(env().client, workflowId, name);
	return { result, calls, records };
}

describe('drillRun', () => {
	it('escalates when nobody acknowledges, aborts at its maximum duration and tears the scratch copy down', async ({ expect }) => {
		const { result, calls, records } = await start('drill-run--escalates-then-aborts-at-max-duration', document, async () => {});
		expect(result.status).toBe('aborted');
		expect(result.finding).toMatch(/maximum duration \(2h\)/);
		expect(calls).toEqual(['prepareScratch', 'snapshot', 'injectFault', 'page:0', 'page:1', 'teardown']);
		expect(records.at(-1)).toMatchObject({ status: 'aborted' });
	});

	it('stops escalating once acknowledged, and an admin’s abort ends it with the scratch copy torn down', async ({ expect }) => {
		const { result, calls } = await start('drill-run--acknowledged-then-aborted-by-an-admin', byResponder, async (handle) => {
			for (;;) {
				const state = await handle.query(drillStateQuery);
				if (state.status === 'waiting_ack') break;
				await new Promise((r) => setTimeout(r, 50));
			}
			// Only a responder of the drill (or an admin) may acknowledge; dave is neither.
			await expect(handle.executeUpdate(drillAckUpdate, { args: [{ actor: people.dave }] })).rejects.toThrow();
			await handle.executeUpdate(drillAckUpdate, { args: [{ actor: people.alice }] });
			await expect(handle.executeUpdate(drillAbortUpdate, { args: [{ actor: people.alice, reason: 'no' }] })).rejects.toThrow();
			await handle.executeUpdate(drillAbortUpdate, { args: [{ actor: people.erin, reason: 'practice over' }] });
		});
		expect(result).toEqual({ status: 'aborted', finding: 'aborted by erin: practice over' });
		expect(calls.filter((c) => c.startsWith('page:'))).toEqual(['page:0']);
		expect(calls.at(-1)).toBe('teardown');
	});
});
