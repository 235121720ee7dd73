import pg from 'pg';
import { findTable, primaryKeyColumn, tableColumns, timestampColumn, type Column, type Relation } from './pg-catalog.ts';
import type { BatchResult } from './retention-batches.ts';

/** A table a retention step works on, with every name it needs already checked against the catalog. */
export interface RetentionTable {
	table: Relation;
	key: Column;
	time: Column;
	columns: Column[];
}

export async function retentionTable(client: pg.Client, name: string, timeColumn: string): Promise<RetentionTable> {
	const table = await findTable(client, name);
	const columns = await tableColumns(client, table);
	return { table, key: await primaryKeyColumn(client, table), time: timestampColumn(table, columns, timeColumn), columns };
}

export interface BatchQuery {
	text: string;
	values: unknown[];
}

/**
 * The next batch: rows older than the cutoff ($1) after the last key done ($3), in key order, at
 * most $2 of them. The key bound is compared in the key column's own type, whatever it is.
 */
export function pickNext(t: RetentionTable, columns: string, cutoff: Date, batchSize: number, after: string | null): BatchQuery {
	const past = after === null ? '' : ` and ${t.key.sql} > $3`;
	return {
		text: `select ${columns} from ${t.table.sql} where ${t.time.sql} < $1::timestamptz${past} order by ${t.key.sql} limit $2`,
		values: after === null ? [cutoff.toISOString(), batchSize] : [cutoff.toISOString(), batchSize, after]
	};
}

/** Reads the one row a batch statement ends with (selected, last, rows, archived). */
export function batchResult(row: { selected: number; last: string | null; rows?: number; archived?: number }): BatchResult {
	return { selected: row.selected, last: row.last, rows: row.rows ?? 0, archived: row.archived ?? 0 };
}

export const columnList = (t: RetentionTable) => t.columns.map((c) => c.sql).join(', ');
