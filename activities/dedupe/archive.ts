import pg from 'pg';
import type { TableShape } from './catalog.ts';
import { archiveTableName, type RunStep } from './params.ts';

/**
 * What a merge keeps in the target's `tend_archive` schema, keyed on run + step + table, so that
 * a retry resumes it and an unmerge undoes it exactly:
 *  - dedupe_runs: one row per merge, with the report its plan was made from;
 *  - dedupe_plan: each duplicate, its survivor and group, and its status: planned, merged, skipped
 *    (its row or its survivor was gone by then), restored (by an unmerge), or withdrawn (an unmerge
 *    came before the merge reached it);
 *  - dedupe_repoints: each referencing row moved to a survivor, by its primary key, with the old
 *    value (a row moves at most once per merge, so no key of its own: one index fewer to keep);
 *  - <table>_merged: each merged row as it was deleted (jsonb), and the row it was merged into.
 * Ids are kept as text so one set of tables serves tables of any id type.
 */
export const ARCHIVE_SCHEMA = 'tend_archive';
export const PLAN = `${ARCHIVE_SCHEMA}.dedupe_plan`;
export const RUNS = `${ARCHIVE_SCHEMA}.dedupe_runs`;
export const REPOINTS = `${ARCHIVE_SCHEMA}.dedupe_repoints`;

export const archiveTable = (shape: TableShape) => `${ARCHIVE_SCHEMA}.${pg.escapeIdentifier(archiveTableName(shape.relname))}`;

/** The run, step and table every statement on the archive filters by, as $1, $2, $3. */
export const scope = (key: RunStep, shape: TableShape) => [key.runId, key.stepId, shape.sql];
export const inScope = (alias: string) => `${alias}.run_id = $1 and ${alias}.step_id = $2 and ${alias}.source_table = $3`;

// Two merges creating the schema at once would collide in the catalog; this lock queues them.
const DDL_LOCK = 'tend_archive ddl';

export async function ensureArchive(client: pg.Client, shape: TableShape): Promise<void> {
	await client.query('begin');
	try {
		await client.query('select pg_advisory_xact_lock(hashtextextended($1, 0))', [DDL_LOCK]);
		await client.query(`
			create schema if not exists ${ARCHIVE_SCHEMA};
			create table if not exists ${RUNS} (
				run_id text not null, step_id text not null, source_table text not null,
				report jsonb not null,
				planned_at timestamptz not null default now(), merged_at timestamptz, restored_at timestamptz,
				primary key (run_id, step_id, source_table)
			);
			create table if not exists ${PLAN} (
				run_id text not null, step_id text not null, source_table text not null,
				grp int not null, dup text not null, survivor text not null, reason text not null,
				status text not null default 'planned' check (status in ('planned', 'merged', 'skipped', 'restored', 'withdrawn')),
				primary key (run_id, step_id, source_table, dup)
			);
			create index if not exists dedupe_plan_grp_idx on ${PLAN} (run_id, step_id, source_table, grp);
			create table if not exists ${REPOINTS} (
				run_id text not null, step_id text not null, source_table text not null,
				ref_table text not null, ref_column text not null, ref_key jsonb not null,
				old_value text not null, new_value text not null,
				repointed_at timestamptz not null default now()
			);
			create index if not exists dedupe_repoints_old_value_idx on ${REPOINTS} (run_id, step_id, source_table, old_value);
			create table if not exists ${archiveTable(shape)} (
				run_id text not null, step_id text not null, source_table text not null,
				id text not null, merged_into text not null, reason text not null,
				merged_at timestamptz not null default now(),
				row jsonb not null,
				primary key (run_id, step_id, source_table, id)
			);
		`);
		await client.query('commit');
	} catch (error) {
		await client.query('rollback').catch(() => {});
		throw error;
	}
}

export async function archiveExists(client: pg.Client, shape: TableShape): Promise<boolean> {
	const { rows } = await client.query('select to_regclass($1) is not null and to_regclass($2) is not null as present', [RUNS, archiveTable(shape)]);
	return rows[0].present;
}

export interface PlanCounts {
	groups: number;
	duplicates: number;
	merged: number;
	skipped: number;
	restored: number;
}

export async function planCounts(client: pg.Client, key: RunStep, shape: TableShape): Promise<PlanCounts> {
	const { rows } = await client.query<Record<keyof PlanCounts, string>>(
		`select count(distinct grp) as groups, count(*) as duplicates,
		        count(*) filter (where status = 'merged') as merged, count(*) filter (where status = 'skipped') as skipped,
		        count(*) filter (where status = 'restored') as restored
		   from ${PLAN} p where ${inScope('p')}`,
		scope(key, shape)
	);
	const r = rows[0];
	return { groups: Number(r.groups), duplicates: Number(r.duplicates), merged: Number(r.merged), skipped: Number(r.skipped), restored: Number(r.restored) };
}

/** Re-pointed rows per `table.column`, for the report. */
export async function repointCounts(client: pg.Client, key: RunStep, shape: TableShape): Promise<Record<string, number>> {
	const { rows } = await client.query<{ ref: string; n: string }>(
		`select ref_table || '.' || ref_column as ref, count(*) as n from ${REPOINTS} r where ${inScope('r')} group by 1 order by 1`,
		scope(key, shape)
	);
	return Object.fromEntries(rows.map((r) => [r.ref, Number(r.n)]));
}

/**
 * Holds a session lock on one merge for as long as the connection lives. An unmerge then waits
 * for an earlier attempt of its merge that is still running (a worker that lost its heartbeat
 * may not know yet that it was replaced), and two attempts never work on one plan at once.
 */
export async function lockMerge(client: pg.Client, key: RunStep, shape: TableShape, checkCancelled: () => void): Promise<void> {
	const name = `tend dedupe ${key.runId} ${key.stepId} ${shape.sql}`;
	for (;;) {
		const { rows } = await client.query<{ locked: boolean }>('select pg_try_advisory_lock(hashtextextended($1, 0)) as locked', [name]);
		if (rows[0].locked) return;
		checkCancelled();
		await new Promise((resolve) => setTimeout(resolve, 1000));
	}
}
