import { Context } from '@temporalio/activity';
import { and, eq, isNull } from 'drizzle-orm';
import { existsSync, rmSync } from 'node:fs';
import { basename } from 'node:path';
import { z } from 'zod';
import { backups, type Backup } from '../db/schema/index.ts';
import { backupFileName, countsPath } from './backup-paths.ts';
import { planRetention, type RetentionCounts } from './backup-retention.ts';
import { nonRetryable, parseStepParams } from './failures.ts';
import type { ActivityDeps, StepContext } from './step-context.ts';
import { loadTargetSpec } from './targets.ts';

const count = z.number().int().min(0).max(10_000);
export const pruneParams = z.object({
	database: z.string().min(1),
	keep: z.object({ daily: count.optional(), weekly: count.optional(), monthly: count.optional() }).optional()
});

export interface PruneOutputs extends Record<string, unknown> {
	kept: number;
	pruned: number;
	freedBytes: number;
	prunedIds: string[];
}

/**
 * What is kept: each count from `with.keep`, else from the target's `backups.retention`. A target
 * with no retention at all and no `keep` keeps everything: deleting backups is never a default.
 */
function retentionCounts(keep: z.infer<typeof pruneParams>['keep'], target: { daily?: number; weekly?: number; monthly?: number } | undefined): RetentionCounts | null {
	if (!keep && !target) return null;
	return {
		daily: keep?.daily ?? target?.daily ?? 0,
		weekly: keep?.weekly ?? target?.weekly ?? 0,
		monthly: keep?.monthly ?? target?.monthly ?? 0
	};
}

/**
 * Deletes one copy of a backup and its row-count file, and says how many bytes that freed. Only a
 * path named for the backup's own id is touched, so a damaged or hand-edited catalogue row can never
 * point this at anything else.
 */
function removeCopy(backup: Backup, path: string | null): number {
	if (!path || !existsSync(path)) return 0;
	if (basename(path) !== backupFileName(backup.id, backup.format)) {
		throw nonRetryable('InvalidStepParams', `backup ${backup.id} is catalogued at ${path}, which is not named for it; refusing to delete it`);
	}
	rmSync(path, { recursive: true, force: true });
	rmSync(countsPath(path), { force: true });
	return backup.sizeBytes;
}

/**
 * `backup.prune`: applies retention to the catalogue of one database of the target. Files go first
 * and `pruned_at` is set after, so a retry after a crash finds the same backups unpruned (the plan
 * is idempotent) and finishes them; their files being gone already, they free nothing the second time.
 */
export async function backupPrune(deps: ActivityDeps, ctx: StepContext, raw: unknown): Promise<PruneOutputs> {
	const params = parseStepParams('backup.prune', pruneParams, raw);
	const spec = await loadTargetSpec(deps, ctx.target);
	const candidates = await deps.db
		.select()
		.from(backups)
		.where(and(eq(backups.target, ctx.target), eq(backups.database, params.database), isNull(backups.prunedAt)));
	const counts = retentionCounts(params.keep, spec.backups?.retention);
	if (!counts) return { kept: candidates.length, pruned: 0, freedBytes: 0, prunedIds: [] };

	const plan = planRetention(candidates, counts);
	const activity = Context.current();
	let freedBytes = 0;
	for (const backup of plan.prune) {
		activity.heartbeat({ pruning: backup.id });
		freedBytes += removeCopy(backup, backup.path) + removeCopy(backup, backup.offsitePath);
		await deps.db.update(backups).set({ prunedAt: new Date() }).where(and(eq(backups.id, backup.id), isNull(backups.prunedAt)));
	}
	return { kept: plan.keep.length, pruned: plan.prune.length, freedBytes, prunedIds: plan.prune.map((b) => b.id) };
}
