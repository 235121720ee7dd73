import pg from 'pg';
import { nonRetryable } from './failures.ts';

/**
 * Names from a runbook reach SQL only after the catalog has confirmed them: the name is looked up
 * with to_regclass (which reads it as SQL would, so `App_Logs` means app_logs), and the text we
 * build from it is the catalog's own schema and name, quoted.
 */
export const NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$/;

export interface Relation {
	oid: number;
	schema: string;
	name: string;
	/** schema.name, quoted for SQL text. */
	sql: string;
	/** schema.name as people read it. */
	label: string;
}

const quoted = (schema: string, name: string) => `${pg.escapeIdentifier(schema)}.${pg.escapeIdentifier(name)}`;

async function findRelation(client: pg.Client, name: string, kinds: string[], what: string): Promise<Relation> {
	if (!NAME_PATTERN.test(name)) throw nonRetryable('InvalidStepParams', `"${name}" is not a ${what} name`);
	const { rows } = await client.query<{ oid: number; schema: string; name: string; label: string }>(
		`select c.oid::int as oid, n.nspname as schema, c.relname as name, format('%I.%I', n.nspname, c.relname) as label
		   from pg_class c join pg_namespace n on n.oid = c.relnamespace
		  where c.oid = to_regclass($1) and c.relkind = any($2)`,
		[name, kinds]
	);
	if (!rows[0]) throw nonRetryable('InvalidStepParams', `${what} "${name}" does not exist in database ${client.database ?? ''}`.trim());
	return { ...rows[0], sql: quoted(rows[0].schema, rows[0].name) };
}

export const findTable = (client: pg.Client, name: string) => findRelation(client, name, ['r', 'p', 'm'], 'table');
export const findIndex = (client: pg.Client, name: string) => findRelation(client, name, ['i', 'I'], 'index');

export interface Column {
	name: string;
	sql: string;
	type: string;
}

export interface TableColumn extends Column {
	/** A generated column: an insert must leave it out. */
	generated: boolean;
}

/** The table's live columns in order (what `select *` gives and `create table … (like …)` copies). */
export async function tableColumns(client: pg.Client, table: Pick<Relation, 'oid'>): Promise<TableColumn[]> {
	const { rows } = await client.query<{ name: string; type: string; generated: boolean }>(
		`select attname as name, format_type(atttypid, atttypmod) as type, attgenerated <> '' as generated
		   from pg_attribute where attrelid = $1 and attnum > 0 and not attisdropped order by attnum`,
		[table.oid]
	);
	return rows.map((r) => ({ ...r, sql: pg.escapeIdentifier(r.name) }));
}

/** Batches walk the primary key, so a table needs a one-column one. */
export async function primaryKeyColumn(client: pg.Client, table: Relation): Promise<Column> {
	const { rows } = await client.query<{ name: string; type: string }>(
		`select a.attname as name, format_type(a.atttypid, a.atttypmod) as type
		   from pg_index i join pg_attribute a on a.attrelid = i.indrelid and a.attnum = i.indkey[0]
		  where i.indrelid = $1 and i.indisprimary and i.indnkeyatts = 1`,
		[table.oid]
	);
	if (!rows[0]) throw nonRetryable('RetentionNeedsKey', `${table.label} has no one-column primary key; retention steps delete and archive in primary-key ranges`);
	return { ...rows[0], sql: pg.escapeIdentifier(rows[0].name) };
}

const TIME_TYPES = ['timestamp with time zone', 'timestamp without time zone', 'date'];

export function timestampColumn(table: Relation, columns: Column[], name: string): Column {
	const column = columns.find((c) => c.name === name);
	if (!column) throw nonRetryable('InvalidStepParams', `${table.label} has no column "${name}" (it has: ${columns.map((c) => c.name).join(', ')}); set timestampColumn`);
	if (!TIME_TYPES.includes(column.type)) throw nonRetryable('InvalidStepParams', `${table.label}.${name} is ${column.type}; timestampColumn must be a timestamp or date column`);
	return column;
}
