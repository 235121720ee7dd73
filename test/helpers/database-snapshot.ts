import pg from 'pg';
import { withClient } from './postgres.ts';

/**
 * What a database holds, in a form two states can be compared by: an md5 of every table's rows
 * (in a fixed order), and the columns, indexes and constraints of its current schema. Equal
 * snapshots mean an update and its undo left nothing behind, not even an empty column or index.
 */
export interface DatabaseSnapshot {
	tables: Record<string, string>;
	columns: string[];
	indexes: string[];
	constraints: string[];
}

export function snapshotDatabase(url: string, options: { except?: string[] } = {}): Promise<DatabaseSnapshot> {
	const except = options.except ?? [];
	return withClient(url, async (client) => {
		const list = async (sql: string) => (await client.query<{ line: string }>(sql, [except])).rows.map((r) => r.line);
		const tables = await list("select table_name as line from information_schema.tables where table_schema = current_schema() and table_type = 'BASE TABLE' and table_name <> all($1) order by 1");
		const checksums: Record<string, string> = {};
		for (const name of tables) {
			const { rows } = await client.query<{ md5: string }>(`select md5(coalesce(string_agg(t::text, '' order by t::text), '')) as md5 from ${pg.escapeIdentifier(name)} t`);
			checksums[name] = rows[0].md5;
		}
		const columns = await list(
			`select concat_ws(' ', table_name, column_name, data_type, is_nullable, column_default) as line
			   from information_schema.columns where table_schema = current_schema() and table_name <> all($1) order by table_name, ordinal_position`
		);
		const indexes = await list('select indexdef as line from pg_indexes where schemaname = current_schema() and tablename <> all($1) order by indexname');
		const constraints = await list(
			`select coalesce(c.relname, '-') || ' ' || k.conname || ' ' || pg_get_constraintdef(k.oid) as line
			   from pg_constraint k left join pg_class c on c.oid = k.conrelid
			  where k.connamespace = current_schema()::regnamespace and coalesce(c.relname, '-') <> all($1)
			  order by 1`
		);
		return { tables: checksums, columns, indexes, constraints };
	});
}
