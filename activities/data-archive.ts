import { z } from 'zod';
import { parseStepParams } from './failures.ts';
import { withPgClient } from './pg-tools.ts';
import { parseDestination, archiveFilePath } from './archive-destination.ts';
import { archiveToFile } from './archive-file.ts';
import { archiveSchemaName, ensureArchiveTable, upsertArchive } from './archive-table.ts';
import { inShortTransaction, runBatches } from './retention-batches.ts';
import { effectiveCutoff, fixedCutoff } from './retention-cutoff.ts';
import { retentionParams } from './retention-params.ts';
import { batchResult, columnList, pickNext, retentionTable } from './retention-table.ts';
import type { ActivityDeps, StepContext } from './step-context.ts';
import { backupFolder, targetDatabaseUrl } from './targets.ts';

export const archiveParams = retentionParams.extend({ to: z.string().regex(/^(schema|file)(:.+)?$/, 'must be schema, schema:NAME, file or file:PATH').optional() });

export interface ArchiveOutputs extends Record<string, unknown> {
	archived: number;
	batches: number;
	/** The archive table (schema.table) or the absolute path of the .csv.gz file. */
	location: string;
	cutoff: string;
	table: string;
	complete: boolean;
}

/**
 * Copies rows older than the cutoff into an archive and leaves them in place; a later data.purge
 * (with `before: ${{ steps.<id>.outputs.cutoff }}`) removes exactly those. Into a table, each
 * batch is an upsert in its own short transaction that takes no lock a writer would wait for.
 */
export async function dataArchive(deps: ActivityDeps, ctx: StepContext, raw: unknown): Promise<ArchiveOutputs> {
	const params = parseStepParams('data.archive', archiveParams, raw);
	const destination = parseDestination(params.to);
	const url = await targetDatabaseUrl(deps, ctx.target, params.database, 'data.archive');
	const folder = destination.kind === 'file' ? await backupFolder(deps, ctx.target) : '';
	return withPgClient(url, async (client) => {
		const t = await retentionTable(client, params.table, params.timestampColumn);
		const cutoff = await fixedCutoff(deps, ctx, t.table.label, () => effectiveCutoff(params.olderThan, new Date(), params.before));
		const limits = { batchSize: params.batchSize, maxBatches: params.maxBatches };
		const outputs = (location: string, progress: { archived: number; batches: number; complete: boolean }): ArchiveOutputs => ({
			archived: progress.archived,
			batches: progress.batches,
			location,
			cutoff: cutoff.toISOString(),
			table: t.table.label,
			complete: progress.complete
		});

		if (destination.kind === 'file') {
			const path = archiveFilePath(folder, destination.path, t.table.label, ctx.runId, ctx.stepId);
			return outputs(path, await archiveToFile(client, t, cutoff, limits, path));
		}
		const archive = await ensureArchiveTable(client, t, archiveSchemaName(destination.schema));
		const progress = await runBatches(cutoff, limits, (after) =>
			inShortTransaction(client, async () => {
				const pick = pickNext(t, columnList(t), cutoff, params.batchSize, after);
				const { rows } = await client.query(
					`with picked as (${pick.text}), kept as (${upsertArchive(archive, t, 'picked')})
					select (select count(*) from picked)::int as selected,
						(select ${t.key.sql} from picked order by ${t.key.sql} desc limit 1)::text as last,
						(select count(*) from kept)::int as archived`,
					pick.values
				);
				return batchResult(rows[0]);
			})
		);
		return outputs(archive.label, progress);
	});
}
