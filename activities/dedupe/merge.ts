import pg from 'pg';
import { archiveTable, ensureArchive, inScope, lockMerge, PLAN, planCounts, REPOINTS, repointCounts, RUNS, scope } from './archive.ts';
import { findReferences, type Reference, type TableShape } from './catalog.ts';
import { createWorkTables, detect, examples, type DetectOptions } from './detect.ts';
import { EXAMPLE_GROUPS, type DedupeOutputs, type DedupeReport } from './outputs.ts';
import type { DedupeParams, RunStep } from './params.ts';
import type { DedupeHooks } from './session.ts';

/**
 * Merges the duplicates in batches of groups, each batch one transaction: lock the rows, re-point
 * every reference from a duplicate to its survivor (recording each move), archive and delete the
 * duplicates, mark the plan. The plan is made once per run + step and stored, so a retried
 * attempt resumes at the first group not merged yet instead of finding duplicates afresh.
 */
export async function merge(client: pg.Client, shape: TableShape, key: RunStep, params: DedupeParams, options: DetectOptions, hooks: DedupeHooks): Promise<DedupeOutputs> {
	const references = await findReferences(client, shape, params.references);
	await ensureArchive(client, shape);
	await lockMerge(client, key, shape, hooks.checkCancelled);
	const report = (await storedReport(client, key, shape)) ?? (await makePlan(client, shape, key, params, options, references, hooks));

	await client.query(`analyze ${PLAN}`);
	const { rows } = await client.query<{ last: number | null }>(`select max(grp) as last from ${PLAN} p where ${inScope('p')}`, scope(key, shape));
	const last = rows[0].last ?? 0;
	await client.query(`create temp table if not exists dd_batch (dup ${shape.id.type}, survivor ${shape.id.type}, reason text)`);
	for (let from = 0; from < last; from += params.batchSize) {
		hooks.checkCancelled();
		await mergeBatch(client, shape, key, references, from, Math.min(last, from + params.batchSize));
		hooks.progress({ phase: 'merging', groupsDone: Math.min(last, from + params.batchSize), groups: last });
	}
	await client.query(`update ${RUNS} r set merged_at = coalesce(merged_at, now()) where ${inScope('r')}`, scope(key, shape));

	const counts = await planCounts(client, key, shape);
	return {
		groups: counts.groups,
		duplicates: counts.duplicates,
		merged: counts.merged,
		restored: counts.restored,
		report: { ...report, merged: counts.merged, skipped: counts.skipped, restored: counts.restored, repointed: await repointCounts(client, key, shape) }
	};
}

async function storedReport(client: pg.Client, key: RunStep, shape: TableShape): Promise<DedupeReport | undefined> {
	const { rows } = await client.query<{ report: DedupeReport }>(`select report from ${RUNS} r where ${inScope('r')}`, scope(key, shape));
	return rows[0]?.report;
}

/** Finds the groups and stores them as the plan, with the report, in one transaction. */
async function makePlan(client: pg.Client, shape: TableShape, key: RunStep, params: DedupeParams, options: DetectOptions, references: Reference[], hooks: DedupeHooks): Promise<DedupeReport> {
	hooks.progress({ phase: 'finding duplicates' });
	await createWorkTables(client, shape);
	await client.query('begin isolation level repeatable read');
	try {
		const found = await detect(client, shape, options, hooks.checkCancelled);
		const planned = await client.query(
			`insert into ${PLAN} (run_id, step_id, source_table, grp, dup, survivor, reason)
			 select $1, $2, $3, grp, id::text, survivor::text, reason from dd_members where reason is not null and ($4::int is null or grp <= $4)`,
			[...scope(key, shape), params.maxGroups ?? null]
		);
		const groups = Math.min(found.groups, params.maxGroups ?? found.groups);
		const notes = [...found.notes, ...references.filter((r) => !r.indexed).map((r) => `${r.table}.${r.column.name} has no index, so each batch scans ${r.table} to re-point it`)];
		const report: DedupeReport = {
			mode: 'merge',
			table: shape.sql,
			keys: params.keys,
			similarity: params.similarity,
			trigram: options.trigramSchema !== null,
			unaccent: options.unaccentSchema !== null,
			groups,
			duplicates: planned.rowCount ?? 0,
			examples: await examples(client, shape, Math.min(EXAMPLE_GROUPS, groups)),
			notes,
			remaining: found.groups - groups
		};
		await client.query(`insert into ${RUNS} (run_id, step_id, source_table, report) values ($1, $2, $3, $4)`, [...scope(key, shape), JSON.stringify(report)]);
		await client.query('commit');
		return report;
	} catch (error) {
		await client.query('rollback').catch(() => {});
		throw error;
	}
}

/** Groups (from, to] of the plan, those not merged yet. */
async function mergeBatch(client: pg.Client, shape: TableShape, key: RunStep, references: Reference[], from: number, to: number): Promise<void> {
	const args = scope(key, shape);
	const id = shape.id.sql;
	await client.query('begin');
	try {
		// Waiting long on a row the application holds would stall it behind us; failing lets the retry resume here.
		await client.query(`set local lock_timeout = '10s'`);
		await client.query('truncate dd_batch');
		const { rowCount } = await client.query(
			`insert into dd_batch (dup, survivor, reason)
			 select p.dup::${shape.id.type}, p.survivor::${shape.id.type}, p.reason from ${PLAN} p
			  where ${inScope('p')} and p.grp > $4 and p.grp <= $5 and p.status = 'planned'`,
			[...args, from, to]
		);
		if (rowCount) {
			await client.query('analyze dd_batch');
			await client.query(`select 1 from ${shape.sql} where ${id} in (select dup from dd_batch union select survivor from dd_batch) order by ${id} for update`);
			// A row deleted since the plan was made: its duplicate has nothing to merge, its survivor nowhere to go.
			await client.query(`delete from dd_batch b where not exists (select 1 from ${shape.sql} t where t.${id} = b.dup) or not exists (select 1 from ${shape.sql} t where t.${id} = b.survivor)`);
			for (const ref of references) await client.query(repointSql(ref), [...args, ref.table, ref.column.name]);
			await client.query(
				`with gone as (
					delete from ${shape.sql} t using dd_batch b where t.${id} = b.dup
					returning to_jsonb(t) as row, t.${id}::text as id, b.survivor::text as merged_into, b.reason
				)
				insert into ${archiveTable(shape)} (run_id, step_id, source_table, id, merged_into, reason, row)
				select $1, $2, $3, id, merged_into, reason, row from gone`,
				args
			);
			await client.query(
				`update ${PLAN} p set status = case when exists (select 1 from dd_batch b where b.dup::text = p.dup) then 'merged' else 'skipped' end
				  where ${inScope('p')} and p.grp > $4 and p.grp <= $5 and p.status = 'planned'`,
				[...args, from, to]
			);
		}
		await client.query('commit');
	} catch (error) {
		await client.query('rollback').catch(() => {});
		throw error;
	}
}

/**
 * Moves one referencing column from duplicates to survivors, recording each moved row by its
 * primary key. The `= any(array)` hands the index one sorted list of keys to look up, where a
 * join would walk the index once per duplicate, or from its start.
 */
function repointSql(ref: Reference): string {
	const key = `jsonb_build_object(${ref.key.map((k) => `${pg.escapeLiteral(k.name)}, r.${k.sql}`).join(', ')})`;
	return `
		with moved as (
			update ${ref.table} r set ${ref.column.sql} = b.survivor from dd_batch b
			 where r.${ref.column.sql} = b.dup and r.${ref.column.sql} = any(array(select dup from dd_batch))
			returning ${key} as ref_key, b.dup::text as old_value, b.survivor::text as new_value
		)
		insert into ${REPOINTS} (run_id, step_id, source_table, ref_table, ref_column, ref_key, old_value, new_value)
		select $1, $2, $3, $4, $5, ref_key, old_value, new_value from moved`;
}
