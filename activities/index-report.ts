import type pg from 'pg';

/**
 * The index report of postgres.maintain: indexes never scanned, indexes that repeat another, and
 * btree indexes whose size is well past what their rows need. Names are `schema.name`, quoted
 * only where SQL needs it, so each can be handed back to `reindex`.
 */
export interface UnusedIndex {
	index: string;
	table: string;
	sizeBytes: number;
}

export interface DuplicateIndexes {
	table: string;
	/** The key (and INCLUDE) columns, as pg_get_indexdef shows them. */
	columns: string;
	predicate: string | null;
	/** The index to keep first (primary key, then unique, then the most scanned), then the ones that repeat it. */
	indexes: string[];
	keep: string;
	redundantBytes: number;
}

export interface BloatEstimate {
	index: string;
	table: string;
	sizeBytes: number;
	bloatBytes: number;
	bloatRatio: number;
}

export interface IndexReport extends Record<string, unknown> {
	/** When this database's usage statistics were last reset (null: never); "unused" means "not since then". */
	statsSince: string | null;
	unused: UnusedIndex[];
	duplicates: DuplicateIndexes[];
	bloated: BloatEstimate[];
}

const USER_SCHEMAS = `n.nspname not in ('pg_catalog', 'information_schema') and n.nspname not like 'pg\\_toast%' and n.nspname not like 'pg\\_temp%'`;

/** Indexes that serve no constraint and were never scanned since the statistics were reset. */
export async function unusedIndexes(client: pg.Client): Promise<UnusedIndex[]> {
	const { rows } = await client.query<{ index: string; table: string; size_bytes: string }>(
		`select format('%I.%I', s.schemaname, s.indexrelname) as index, format('%I.%I', s.schemaname, s.relname) as "table",
				pg_relation_size(s.indexrelid) as size_bytes
		   from pg_stat_user_indexes s join pg_index i on i.indexrelid = s.indexrelid
		  where s.idx_scan = 0 and not i.indisunique and not i.indisprimary and not i.indisexclusion
			and not exists (select 1 from pg_constraint c where c.conindid = s.indexrelid)
		  order by pg_relation_size(s.indexrelid) desc, 1`
	);
	return rows.map((r) => ({ index: r.index, table: r.table, sizeBytes: Number(r.size_bytes) }));
}

/**
 * Sets of indexes on one table with the same access method, columns (or expressions), operator
 * classes, collations and predicate: every index in a set but one only costs writes and space.
 */
export async function duplicateIndexes(client: pg.Client): Promise<DuplicateIndexes[]> {
	const { rows } = await client.query<{ table: string; columns: string; predicate: string | null; indexes: string[]; sizes: string[] }>(
		`with signed as (
			select i.indrelid, ci.relam, i.indkey::text as keys, i.indclass::text as classes, i.indcollation::text as collations,
					coalesce(pg_get_expr(i.indexprs, i.indrelid), '') as expressions, pg_get_expr(i.indpred, i.indrelid, true) as predicate,
					format('%I.%I', n.nspname, ci.relname) as index, format('%I.%I', n.nspname, ct.relname) as "table",
					(select string_agg(pg_get_indexdef(i.indexrelid, k, true), ', ' order by k) from generate_series(1, i.indnatts) k) as columns,
					i.indisprimary, i.indisunique, coalesce(s.idx_scan, 0) as scans, pg_relation_size(i.indexrelid) as size_bytes
			   from pg_index i
			   join pg_class ci on ci.oid = i.indexrelid
			   join pg_class ct on ct.oid = i.indrelid
			   join pg_namespace n on n.oid = ct.relnamespace
			   left join pg_stat_user_indexes s on s.indexrelid = i.indexrelid
			  where i.indisvalid and ${USER_SCHEMAS}
		)
		select min("table") as "table", min(columns) as columns, predicate,
				array_agg(index order by indisprimary desc, indisunique desc, scans desc, index) as indexes,
				array_agg(size_bytes order by indisprimary desc, indisunique desc, scans desc, index)::text[] as sizes
		   from signed
		  group by indrelid, relam, keys, classes, collations, expressions, predicate
		 having count(*) > 1
		  order by 1, 2`
	);
	return rows.map((r) => ({
		table: r.table,
		columns: r.columns,
		predicate: r.predicate,
		indexes: r.indexes,
		keep: r.indexes[0],
		redundantBytes: r.sizes.slice(1).reduce((sum, size) => sum + Number(size), 0)
	}));
}

/**
 * Estimated bloat of every btree index, from the catalog alone (no scan of the index): the pages
 * the index has against the pages its row count needs at its fill factor, each entry sized from
 * pg_stats (8-byte tuple header, a null bitmap when a key can be null, the average data width
 * MAXALIGNed, a 4-byte line pointer), plus upper levels and the metapage. This is the method of
 * the widely used btree bloat estimation queries; it is an estimate (alignment between columns
 * and deduplication are ignored, so it errs towards too little bloat), and an index whose columns
 * have no statistics yet (never analyzed) is left out rather than guessed at.
 */
export async function bloatEstimates(client: pg.Client): Promise<BloatEstimate[]> {
	const { rows } = await client.query<{ index: string; table: string; size_bytes: string; bloat_bytes: string; bloat_ratio: number }>(
		`with btree as (
			select ci.oid as index_oid, i.indrelid, n.nspname as schema, ci.relname as index_name, ct.relname as table_name,
					format('%I.%I', n.nspname, ci.relname) as index, format('%I.%I', n.nspname, ct.relname) as "table",
					ci.relpages::float8 as pages, ci.reltuples::float8 as tuples, i.indkey::int2[] as keys,
					coalesce((select substring(o from 'fillfactor=([0-9]+)')::int from unnest(ci.reloptions) o where o like 'fillfactor=%'), 90) as fillfactor
			   from pg_index i
			   join pg_class ci on ci.oid = i.indexrelid
			   join pg_class ct on ct.oid = i.indrelid
			   join pg_namespace n on n.oid = ci.relnamespace
			   join pg_am am on am.oid = ci.relam
			  where am.amname = 'btree' and i.indisvalid and ci.relpages > 1 and ci.reltuples >= 0 and ${USER_SCHEMAS}
		), widths as (
			select b.index_oid,
					sum(coalesce(s.avg_width, 0) * (1 - coalesce(s.null_frac, 0))) as data_width,
					bool_or(coalesce(s.null_frac, 0) > 0) as has_nulls,
					bool_and(s.avg_width is not null) as has_stats
			   from btree b
			  cross join lateral unnest(b.keys) with ordinality as k(attnum, position)
			   -- a plain column's statistics are the table's; an expression's are kept under the index
			   left join pg_attribute a on a.attrelid = case when k.attnum > 0 then b.indrelid else b.index_oid end
									   and a.attnum = case when k.attnum > 0 then k.attnum else k.position end
			   left join pg_stats s on s.schemaname = b.schema
								   and s.tablename = case when k.attnum > 0 then b.table_name else b.index_name end
								   and s.attname = a.attname
			  group by b.index_oid
		), sized as (
			select b.*, current_setting('block_size')::float8 as block,
					floor((current_setting('block_size')::float8 - 24 - 16) * b.fillfactor / 100.0
						/ (8 * ceil((8 + case when w.has_nulls then 4 else 0 end + w.data_width) / 8.0) + 4)) as per_page
			   from btree b join widths w using (index_oid)
			  where w.has_stats
		), estimated as (
			select index, "table", pages, block, ceil(tuples / per_page) * (1 + 1 / per_page) + 1 as needed from sized where per_page > 0
		)
		select index, "table", (pages * block)::bigint as size_bytes,
				(greatest(pages - needed, 0) * block)::bigint as bloat_bytes,
				round((greatest(pages - needed, 0) / pages)::numeric, 3)::float8 as bloat_ratio
		   from estimated
		  order by bloat_bytes desc, index`
	);
	return rows.map((r) => ({ index: r.index, table: r.table, sizeBytes: Number(r.size_bytes), bloatBytes: Number(r.bloat_bytes), bloatRatio: r.bloat_ratio }));
}

/** Worth a REINDEX: at least 30% estimated bloat and at least 1 MiB of it (below that a rebuild buys nothing measurable). */
export const isBloated = (e: BloatEstimate) => e.bloatRatio >= 0.3 && e.bloatBytes >= 1024 * 1024;

export async function statsSince(client: pg.Client): Promise<string | null> {
	const { rows } = await client.query<{ reset: Date | null }>('select stats_reset as reset from pg_stat_database where datname = current_database()');
	return rows[0]?.reset ? rows[0].reset.toISOString() : null;
}

export async function indexReport(client: pg.Client, estimates: BloatEstimate[]): Promise<IndexReport> {
	return {
		statsSince: await statsSince(client),
		unused: await unusedIndexes(client),
		duplicates: await duplicateIndexes(client),
		bloated: estimates.filter(isBloated)
	};
}

const MB = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
const names = (list: string[], max = 5) => (list.length > max ? `${list.slice(0, max).join(', ')} and ${list.length - max} more` : list.join(', '));
const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** A few lines for people (a notify body): what was done and what the report found. */
export function summarize(database: string, done: { vacuumed: string[]; analyzed: string[]; reindexed: string[] }, report: IndexReport | null): string {
	const lines = [`Maintenance of ${database}: vacuumed ${plural(done.vacuumed.length, 'table')}, analyzed ${plural(done.analyzed.length, 'table')}, reindexed ${plural(done.reindexed.length, 'index', 'indexes')}${done.reindexed.length ? ` (${names(done.reindexed)})` : ''}.`];
	if (report) {
		const unusedBytes = report.unused.reduce((sum, u) => sum + u.sizeBytes, 0);
		lines.push(`Unused indexes: ${report.unused.length ? `${report.unused.length} (${MB(unusedBytes)}): ${names(report.unused.map((u) => u.index))}` : 'none'}${report.statsSince ? ` (statistics since ${report.statsSince})` : ''}.`);
		lines.push(`Duplicate indexes: ${report.duplicates.length ? report.duplicates.map((d) => `${d.indexes.join(' = ')} on ${d.table} (${d.columns}), keep ${d.keep}`).slice(0, 5).join('; ') : 'none'}.`);
		lines.push(`Bloated indexes (estimated): ${report.bloated.length ? report.bloated.map((b) => `${b.index} ~${MB(b.bloatBytes)} (${Math.round(b.bloatRatio * 100)}%)`).slice(0, 5).join(', ') : 'none'}.`);
	}
	return lines.join('\n');
}
