import { z } from 'zod';
import { parseStepParams } from './failures.ts';
import type { Relation } from './pg-catalog.ts';
import { withPgClient } from './pg-tools.ts';
import { archiveSchemaName, ensureArchiveTable, upsertArchive } from './archive-table.ts';
import { inShortTransaction, runBatches } from './retention-batches.ts';
import { effectiveCutoff, fixedCutoff } from './retention-cutoff.ts';
import { retentionParams } from './retention-params.ts';
import { batchResult, pickNext, retentionTable, type RetentionTable } from './retention-table.ts';
import type { ActivityDeps, StepContext } from './step-context.ts';
import { targetDatabaseUrl } from './targets.ts';

export const purgeParams = retentionParams.extend({ archive: z.boolean().default(false) });
/** logs.cleanup: the same engine, defaulting to the demo CRM's log table (db/seed/crm-demo.ts). */
export const logsCleanupParams = purgeParams.extend({ table: purgeParams.shape.table.default('app_logs') });

type PurgeParams = z.infer<typeof purgeParams>;

export interface PurgeOutputs extends Record<string, unknown> {
	deleted: number;
	batches: number;
	/** Rows stored in the archive table, present when archiving: always equal to `deleted`. */
	archived?: number;
	archiveTable?: string;
	cutoff: string;
	table: string;
	/** False when maxBatches stopped the step before every row older than the cutoff was gone. */
	complete: boolean;
}

export const dataPurge = (deps: ActivityDeps, ctx: StepContext, raw: unknown) => purge(deps, ctx, parseStepParams('data.purge', purgeParams, raw), 'data.purge');
export const logsCleanup = (deps: ActivityDeps, ctx: StepContext, raw: unknown) => purge(deps, ctx, parseStepParams('logs.cleanup', logsCleanupParams, raw), 'logs.cleanup');

/**
 * One batch: find the key range of the next `batchSize` rows older than the cutoff, then delete
 * the rows in that range that are older than the cutoff — a range scan of the primary key, about
 * twice as fast as deleting the picked keys one probe at a time — and, when archiving, upsert
 * exactly the deleted rows into the archive in the same statement, so the archive can never hold
 * less than what was deleted. The delete re-checks the cutoff on each row as it finds it, so a
 * row updated since the pick is judged on what it is now.
 */
function purgeBatch(t: RetentionTable, archive: Relation | undefined, cutoff: Date, batchSize: number, after: string | null) {
	const pick = pickNext(t, t.key.sql, cutoff, batchSize, after);
	const k = t.key.sql;
	const kept = archive ? `, kept as (${upsertArchive(archive, t, 'gone')})` : '';
	return {
		text: `with doomed as (${pick.text}),
			bound as (select count(*)::int as selected, (select ${k} from doomed order by ${k} desc limit 1) as last from doomed),
			gone as (delete from ${t.table.sql} t where ${after === null ? '' : `t.${k} > $3 and `}t.${k} <= (select last from bound) and t.${t.time.sql} < $1::timestamptz
				returning ${archive ? 't.*' : `t.${k}`})${kept}
			select (select selected from bound) as selected, (select last from bound)::text as last,
				(select count(*) from gone)::int as rows,
				${archive ? '(select count(*) from kept)::int' : '0'} as archived`,
		values: pick.values
	};
}

async function purge(deps: ActivityDeps, ctx: StepContext, params: PurgeParams, step: 'data.purge' | 'logs.cleanup'): Promise<PurgeOutputs> {
	const url = await targetDatabaseUrl(deps, ctx.target, params.database, step);
	return withPgClient(url, async (client) => {
		const t = await retentionTable(client, params.table, params.timestampColumn);
		const cutoff = await fixedCutoff(deps, ctx, t.table.label, () => effectiveCutoff(params.olderThan, new Date(), params.before));
		const archive = params.archive ? await ensureArchiveTable(client, t, archiveSchemaName(undefined)) : undefined;
		const limits = { batchSize: params.batchSize, maxBatches: params.maxBatches };
		const progress = await runBatches(cutoff, limits, (after) =>
			inShortTransaction(client, async () => {
				const { rows } = await client.query(purgeBatch(t, archive, cutoff, params.batchSize, after));
				return batchResult(rows[0]);
			})
		);
		return {
			deleted: progress.rows,
			batches: progress.batches,
			...(archive ? { archived: progress.archived, archiveTable: archive.label } : {}),
			cutoff: cutoff.toISOString(),
			table: t.table.label,
			complete: progress.complete
		};
	});
}
