import { ScheduleAlreadyRunning, ScheduleOverlapPolicy, type ScheduleClient } from '@temporalio/client';

export const AUDIT_CHECK_SCHEDULE_ID = 'tend-audit-chain-check';
export const AUDIT_CHECK_WORKFLOW_TYPE = 'auditChainCheck';

/**
 * The daily check of the audit log's hash chain, 04:30 UTC (after the built-in backup and
 * maintenance). Created once; an existing schedule is left as it is, so a pause holds. Its id
 * lacks the runbook schedules' prefix, so the Schedules page (runbooks' schedules) does not list it.
 */
export async function ensureAuditCheckSchedule(schedules: ScheduleClient, taskQueue: string): Promise<boolean> {
	try {
		await schedules.create({
			scheduleId: AUDIT_CHECK_SCHEDULE_ID,
			spec: { cronExpressions: ['30 4 * * *'] },
			action: { type: 'startWorkflow', workflowType: AUDIT_CHECK_WORKFLOW_TYPE, workflowId: 'audit-chain-check', taskQueue, args: [] },
			policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 day' },
			state: { note: 'built in: verifies the audit log hash chain daily and emails admins when it is broken' }
		});
		return true;
	} catch (error) {
		if (error instanceof ScheduleAlreadyRunning) return false;
		throw error;
	}
}
