import { Client, Connection, ScheduleAlreadyRunning } from '@temporalio/client';
import { and, eq, gt } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { runbooks, userRoles, users } from '../db/schema/index.ts';
import { appendAudit } from '../shared/audit.ts';
import { scheduleOptions, SCHEDULE_ID_PREFIX } from '../shared/schedule-spec.ts';
import { temporalDataConverter } from '../shared/temporal.ts';

/**
 * The schedules a first start installs (DESIGN §2), run as the first admin. Times are UTC; an
 * admin can pause, fire or delete them on the Schedules page like any other. A schedule that
 * exists is left alone, so an admin's pause survives a restart.
 */
export const BUILT_IN_SCHEDULES = [
	{ runbook: 'crm-nightly-backup', cron: '0 2 * * *', note: 'built in: every night at 02:00 UTC' },
	{ runbook: 'crm-index-maintenance', cron: '0 3 1 * *', note: 'built in: on the first of each month at 03:00 UTC' }
] as const;

export async function installBuiltInSchedules(db: Db, temporal: { address: string; namespace: string; taskQueue: string; secretKeys: readonly string[] }): Promise<string[]> {
	const [admin] = await db.select({ id: users.id, username: users.username }).from(users).innerJoin(userRoles, eq(userRoles.userId, users.id)).where(eq(userRoles.role, 'admin')).limit(1);
	if (!admin) return [];
	const connection = await Connection.connect({ address: temporal.address });
	try {
		// The schedule's memo and its runs' inputs are sealed like every other payload.
		const client = new Client({ connection, namespace: temporal.namespace, dataConverter: temporalDataConverter({ TEND_SECRET_KEYS: temporal.secretKeys }) });
		const created: string[] = [];
		for (const builtIn of BUILT_IN_SCHEDULES) {
			const [runbook] = await db.select({ name: runbooks.name }).from(runbooks).where(and(eq(runbooks.name, builtIn.runbook), gt(runbooks.latestVersion, 0)));
			if (!runbook) continue;
			const id = `${SCHEDULE_ID_PREFIX}builtin-${builtIn.runbook}`;
			const memo = { runbook: builtIn.runbook, inputs: {}, timing: { cron: builtIn.cron, timezone: 'UTC' }, createdBy: admin };
			try {
				await client.schedule.create(scheduleOptions({ id, memo, taskQueue: temporal.taskQueue, paused: false, note: builtIn.note }));
			} catch (error) {
				if (error instanceof ScheduleAlreadyRunning) continue;
				throw error;
			}
			await db.transaction((tx) => appendAudit(tx, { actor: 'system', action: 'schedule.create', subject: `schedule:${id}`, details: { runbook: builtIn.runbook, spec: memo.timing, builtIn: true } }));
			created.push(id);
		}
		return created;
	} finally {
		await connection.close();
	}
}
