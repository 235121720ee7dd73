import { proxyActivities } from '@temporalio/workflow';
import type { AuditCheckActivities } from '../activities/audit-check.ts';
import type { AuditVerification } from '../shared/audit.ts';

/** A walk of a large log takes a while; retried through a database restart. */
const { 'audit.verifyChain': verifyChain, 'audit.alertAdmins': alertAdmins } = proxyActivities<AuditCheckActivities>({
	startToCloseTimeout: '10m',
	retry: { initialInterval: '5s', maximumInterval: '5m', maximumAttempts: 10 }
});

/**
 * What the daily schedule starts (shared/audit-check-schedule.ts): verify the audit log's hash
 * chain and, when it is broken, email every admin. The verdict is the workflow's result.
 */
export async function auditChainCheck(): Promise<AuditVerification & { alerted: number }> {
	const verdict = await verifyChain();
	const alerted = verdict.ok ? 0 : (await alertAdmins(verdict)).delivered;
	return { ...verdict, alerted };
}
