import { count, desc, gte } from 'drizzle-orm';
import { backups, runbooks, runs, targets, type RunStatus } from '../../../../../db/schema/index.ts';
import { getDb } from '../db.ts';
import { listRuns } from './runs.ts';

export interface BackupFreshness {
	target: string;
	title: string;
	latest: { id: string; database: string; startedAt: Date; sizeBytes: number; verifiedAt: Date | null } | null;
}

/** Everything the dashboard shows, in parallel queries. */
export async function loadDashboard() {
	const db = getDb();
	const since = new Date(Date.now() - 7 * 24 * 60 * 60 * 1000);
	const [[runbookCount], statusRows, latestRuns, targetRows, latestBackups] = await Promise.all([
		db.select({ n: count() }).from(runbooks),
		db.select({ status: runs.status, n: count() }).from(runs).where(gte(runs.createdAt, since)).groupBy(runs.status),
		listRuns({ limit: 10 }),
		db.select({ name: targets.name, title: targets.title }).from(targets).orderBy(targets.name),
		db
			.selectDistinctOn([backups.target], {
				target: backups.target,
				id: backups.id,
				database: backups.database,
				startedAt: backups.startedAt,
				sizeBytes: backups.sizeBytes,
				verifiedAt: backups.verifiedAt
			})
			.from(backups)
			.orderBy(backups.target, desc(backups.startedAt))
	]);

	const runsByStatus: Partial<Record<RunStatus, number>> = {};
	for (const row of statusRows) runsByStatus[row.status] = row.n;
	const byTarget = new Map(latestBackups.map(({ target, ...latest }) => [target, latest]));
	const freshness: BackupFreshness[] = targetRows.map((t) => ({ target: t.name, title: t.title, latest: byTarget.get(t.name) ?? null }));

	return {
		runbookCount: runbookCount?.n ?? 0,
		targetCount: targetRows.length,
		runsByStatus,
		runsLast7Days: statusRows.reduce((sum, row) => sum + row.n, 0),
		latestRuns,
		freshness
	};
}

/** The dashboard's shape with nothing in it, for people who may not read runs. */
export function emptyDashboard(): Awaited<ReturnType<typeof loadDashboard>> {
	return { runbookCount: 0, targetCount: 0, runsByStatus: {}, runsLast7Days: 0, latestRuns: [], freshness: [] };
}
