import { randomUUID } from 'node:crypto';
import { Worker } from '@temporalio/worker';
import { describe, it } from 'vitest';
import type { AuditVerification } from '../../shared/audit.ts';
import type { auditChainCheck } from '../../workflows/audit-chain-check.ts';
import { recordHistory } from '../helpers/temporal-env.ts';
import { useRunbookRunEnvironment } from './harness.ts';

/** The daily check: verify, and alert the admins only when the chain is broken. Time skipping takes the retry's backoff. */
const { env, bundle } = useRunbookRunEnvironment({ timeSkipping: true });

async function check(verdicts: AuditVerification[], name: string) {
	const taskQueue = `test-${randomUUID()}`;
	const alerts: AuditVerification[] = [];
	let attempts = 0;
	const worker = await Worker.create({
		connection: env().nativeConnection,
		taskQueue,
		workflowBundle: bundle(),
		activities: {
			'audit.verifyChain': async () => {
				const verdict = verdicts[attempts++];
				if (!verdict) throw new Error('database restarting');
				return verdict;
			},
			'audit.alertAdmins': async (verdict: AuditVerification) => (alerts.push(verdict), { delivered: 2 })
		}
	});
	const workflowId = `audit-chain-check-${randomUUID()}`;
	const result = await worker.runUntil(env().client.workflow.execute<typeof auditChainCheck>('auditChainCheck', { taskQueue, workflowId, args: [] }));
	await recordHistory(env().client, workflowId, name);
	return { result, alerts, attempts };
}

describe('auditChainCheck', () => {
	it('records an intact chain and tells nobody', async ({ expect }) => {
		const ok = { ok: true, entries: 12, firstBadId: null, unsealed: 0 };
		const { result, alerts } = await check([ok], 'audit-chain-check--an-intact-chain');
		expect(result).toEqual({ ...ok, alerted: 0 });
		expect(alerts).toEqual([]);
	});

	it('emails the admins when the chain is broken, after retrying a failed walk', async ({ expect }) => {
		const broken = { ok: false, entries: 3, firstBadId: 41, unsealed: 0 };
		// The first attempt fails (undefined), the retry walks the chain.
		const { result, alerts, attempts } = await check([undefined as unknown as AuditVerification, broken], 'audit-chain-check--a-broken-chain-alerts-the-admins');
		expect(attempts).toBe(2);
		expect(result).toEqual({ ...broken, alerted: 2 });
		expect(alerts).toEqual([broken]);
	});
});
