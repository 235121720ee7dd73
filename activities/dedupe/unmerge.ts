import pg from 'pg';
import { archiveExists, archiveTable, inScope, lockMerge, PLAN, planCounts, REPOINTS, RUNS, scope, type PlanCounts } from './archive.ts';
import { namedReference, type Reference, type TableShape } from './catalog.ts';
import type { DedupeOutputs, DedupeReport } from './outputs.ts';
import type { DedupeParams, RunStep } from './params.ts';
import type { DedupeHooks } from './session.ts';

/**
 * Undoes one merge in batches, each one transaction: put the archived rows back as they were,
 * move each recorded reference back to them, and drop what was restored from the archive. A
 * retried attempt continues with what the archive still holds. A reference the application has
 * moved elsewhere since the merge is left where it is now, and counted in the report.
 */
export async function unmerge(client: pg.Client, shape: TableShape, key: RunStep, params: DedupeParams, hooks: DedupeHooks): Promise<DedupeOutputs> {
	const outputs = (base: DedupeReport, notes: string[], counts: PlanCounts): DedupeOutputs => ({
		groups: counts.groups,
		duplicates: counts.duplicates,
		merged: counts.merged,
		restored: counts.restored,
		report: { ...base, mode: 'unmerge', groups: counts.groups, duplicates: counts.duplicates, merged: counts.merged, restored: counts.restored, notes }
	});
	const none = { groups: 0, duplicates: 0, merged: 0, skipped: 0, restored: 0 };
	const empty: DedupeReport = { mode: 'unmerge', table: shape.sql, keys: params.keys, similarity: params.similarity, trigram: false, unaccent: false, groups: 0, duplicates: 0, examples: [], notes: [] };
	const nothing = () => outputs(empty, [`no merge of ${shape.sql} is recorded for run ${key.runId}, step ${key.stepId}: nothing to undo`], none);
	if (!(await archiveExists(client, shape))) return nothing();
	await lockMerge(client, key, shape, hooks.checkCancelled);
	const { rows: runs } = await client.query<{ report: DedupeReport }>(`select report from ${RUNS} r where ${inScope('r')}`, scope(key, shape));
	if (!runs.length) return nothing();

	// Fresh statistics, or the planner takes the merge's thousands of records for one and joins them in loops.
	await client.query(`analyze ${REPOINTS}; analyze ${archiveTable(shape)}; analyze ${PLAN}`);
	const references = await recordedReferences(client, key, shape);
	await client.query('create temp table if not exists dd_restore (id text primary key)');
	for (let restored = 0; ; ) {
		hooks.checkCancelled();
		const n = await restoreBatch(client, shape, key, references, params.batchSize);
		if (!n) break;
		restored += n;
		hooks.progress({ phase: 'restoring', restored });
	}
	// A table referring to itself: a merged row may have been re-pointed while it was still there and
	// come back only in a later batch than the row it referred to. Now every row is back.
	for (const ref of references) await client.query(repointBackSql(ref, false), [...scope(key, shape), ref.table, ref.column.name]);

	const args = scope(key, shape);
	await client.query(`update ${PLAN} p set status = 'withdrawn' where ${inScope('p')} and p.status = 'planned'`, args);
	await client.query(`update ${RUNS} r set restored_at = coalesce(restored_at, now()) where ${inScope('r')}`, args);
	const { rows: left } = await client.query<{ n: string }>(`select count(*) as n from ${REPOINTS} r where ${inScope('r')}`, args);
	const notes = Number(left[0].n) ? [`${Number(left[0].n)} reference(s) had been moved since the merge and were left where they are now`] : [];
	return outputs(runs[0].report, notes, await planCounts(client, key, shape));
}

/** The columns this merge re-pointed, found again in the catalog. */
async function recordedReferences(client: pg.Client, key: RunStep, shape: TableShape): Promise<Reference[]> {
	const { rows } = await client.query<{ ref_table: string; ref_column: string }>(`select distinct ref_table, ref_column from ${REPOINTS} r where ${inScope('r')} order by 1, 2`, scope(key, shape));
	const found: Reference[] = [];
	for (const r of rows) found.push(await namedReference(client, r.ref_table, r.ref_column, 'the merge re-pointed a column of a table that is gone:'));
	return found;
}

async function restoreBatch(client: pg.Client, shape: TableShape, key: RunStep, references: Reference[], size: number): Promise<number> {
	const args = scope(key, shape);
	const archive = archiveTable(shape);
	await client.query('begin');
	try {
		await client.query(`set local lock_timeout = '10s'`);
		await client.query('truncate dd_restore');
		// Newest merges first: an archived row can refer only to rows that were still there when it was
		// deleted, which are survivors or rows merged in the same batch or a later one.
		const { rowCount } = await client.query(`insert into dd_restore (id) select p.dup from ${PLAN} p where ${inScope('p')} and p.status = 'merged' order by p.grp desc limit $4`, [...args, size]);
		if (rowCount) {
			const columns = shape.insertable.map((c) => c.sql);
			// The archived row is the whole row as deleted; identity columns keep their old values.
			await client.query(
				`insert into ${shape.sql} (${columns.join(', ')}) overriding system value
				 select ${columns.map((c) => `r.${c}`).join(', ')}
				   from ${archive} a join dd_restore x on x.id = a.id
				  cross join lateral jsonb_populate_record(null::${shape.sql}, a.row) r
				  where ${inScope('a')}`,
				args
			);
			for (const ref of references) await client.query(repointBackSql(ref, true), [...args, ref.table, ref.column.name]);
			await client.query(`delete from ${archive} a using dd_restore x where ${inScope('a')} and a.id = x.id`, args);
			await client.query(`update ${PLAN} p set status = 'restored' from dd_restore x where ${inScope('p')} and p.dup = x.id and p.status = 'merged'`, args);
		}
		await client.query('commit');
		return rowCount ?? 0;
	} catch (error) {
		await client.query('rollback').catch(() => {});
		throw error;
	}
}

/**
 * Moves referencing rows back to the restored duplicates (those of this batch, or all), but only
 * rows still pointing at the survivor, and forgets each record once applied.
 */
function repointBackSql(ref: Reference, batchOnly: boolean): string {
	const sameRow = ref.key.map((k) => `r.${k.sql} = (p.ref_key->>${pg.escapeLiteral(k.name)})::${k.type}`).join(' and ');
	return `
		with back as (
			update ${ref.table} r set ${ref.column.sql} = p.old_value::${ref.column.type}
			  from ${REPOINTS} p ${batchOnly ? 'join dd_restore x on x.id = p.old_value' : ''}
			 where ${inScope('p')} and p.ref_table = $4 and p.ref_column = $5
			   and ${sameRow} and r.${ref.column.sql} = p.new_value::${ref.column.type}
			returning p.ctid as record
		)
		delete from ${REPOINTS} d using back where d.ctid = back.record and ${inScope('d')} and d.ref_table = $4 and d.ref_column = $5`;
}
