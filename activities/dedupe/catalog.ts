import pg from 'pg';
import { nonRetryable } from '../failures.ts';
import { tableColumns, type Column, type TableColumn } from '../pg-catalog.ts';
import { parseColumnRef, type DedupeParams } from './params.ts';

/**
 * What the dedupe learns from pg_catalog before it writes any SQL: every identifier placed in a
 * statement comes from here, found in the catalog and quoted, never from the step's text as given.
 */

export type { Column };

export interface TableShape {
	/** format('%I.%I'): quoted, and also how the dedupe's records name the table. */
	sql: string;
	oid: number;
	relname: string;
	id: Column;
	createdAt: Column | null;
	email: Column | null;
	phone: Column | null;
	name: Column[];
	/** Every column but generated ones: what a restore inserts. */
	insertable: Column[];
}

export interface Reference {
	table: string;
	column: Column;
	/** The referencing table's primary key, recorded so an unmerge finds each re-pointed row again. */
	key: Column[];
	indexed: boolean;
}

/** An unquoted name in SQL folds to lower case, so `Email` finds the column email unless "Email" exists. */
function findColumn(columns: TableColumn[], name: string): TableColumn | undefined {
	return columns.find((c) => c.name === name) ?? columns.find((c) => c.name === name.toLowerCase());
}

async function resolveRelation(client: pg.Client, name: string): Promise<{ oid: number; sql: string; relname: string } | undefined> {
	const { rows } = await client.query<{ oid: number; sql: string; relname: string }>(
		`select c.oid::int as oid, format('%I.%I', n.nspname, c.relname) as sql, c.relname
		   from pg_class c join pg_namespace n on n.oid = c.relnamespace
		  where c.oid = to_regclass($1) and c.relkind in ('r', 'p')`,
		[name]
	);
	return rows[0];
}

export async function tableShape(client: pg.Client, params: DedupeParams): Promise<TableShape> {
	const table = await resolveRelation(client, params.table);
	if (!table) throw nonRetryable('InvalidStepParams', `data.dedupe: table "${params.table}" does not exist in database "${params.database}"`);
	const columns = await tableColumns(client, table);
	const required = (name: string, field: string) => {
		const column = findColumn(columns, name);
		if (!column) throw nonRetryable('InvalidStepParams', `data.dedupe: ${table.sql} has no column "${name}" (with.${field}); name the right one or leave its key out of with.keys`);
		return column;
	};
	const id = required(params.idColumn, 'idColumn');
	const { rows: unique } = await client.query(
		`select 1 from pg_index where indrelid = $1 and indisunique and indnkeyatts = 1 and indkey[0] = (select attnum from pg_attribute where attrelid = $1 and attname = $2)`,
		[table.oid, id.name]
	);
	if (!unique.length) throw nonRetryable('DedupeUnsupported', `data.dedupe: ${table.sql}.${id.name} is not unique, so it cannot tell the rows apart (with.idColumn)`);
	const uses = new Set(params.keys);
	// Email and phone are also the blocks names are compared in, so they are read whenever present.
	const email = uses.has('email') ? required(params.columns.email, 'columns.email') : (findColumn(columns, params.columns.email) ?? null);
	const phone = uses.has('phone') ? required(params.columns.phone, 'columns.phone') : (findColumn(columns, params.columns.phone) ?? null);
	const name = uses.has('name') ? params.columns.name.map((n) => required(n, 'columns.name')) : params.columns.name.flatMap((n) => findColumn(columns, n) ?? []);
	const createdAt = params.createdAtColumn ? required(params.createdAtColumn, 'createdAtColumn') : (findColumn(columns, 'created_at') ?? null);
	const strip = ({ name, sql, type }: TableColumn): Column => ({ name, sql, type });
	return {
		...table,
		id: strip(id),
		createdAt: createdAt && strip(createdAt),
		email: email && strip(email),
		phone: phone && strip(phone),
		name: name.map(strip),
		insertable: columns.filter((c) => !c.generated).map(strip)
	};
}

async function primaryKey(client: pg.Client, oid: number): Promise<Column[]> {
	const { rows } = await client.query<{ name: string; type: string }>(
		`select a.attname as name, format_type(a.atttypid, a.atttypmod) as type
		   from pg_index i join pg_attribute a on a.attrelid = i.indrelid and a.attnum = any(i.indkey)
		  where i.indrelid = $1 and i.indisprimary
		  order by array_position(i.indkey::int2[], a.attnum)`,
		[oid]
	);
	return rows.map((r) => ({ ...r, sql: pg.escapeIdentifier(r.name) }));
}

async function isIndexed(client: pg.Client, oid: number, column: string): Promise<boolean> {
	const { rows } = await client.query(
		`select 1 from pg_index i join pg_attribute a on a.attrelid = i.indrelid and a.attnum = i.indkey[0] where i.indrelid = $1 and a.attname = $2`,
		[oid, column]
	);
	return rows.length > 0;
}

async function reference(client: pg.Client, table: { oid: number; sql: string }, column: Column): Promise<Reference> {
	const key = await primaryKey(client, table.oid);
	if (!key.length) throw nonRetryable('DedupeUnsupported', `data.dedupe: ${table.sql} refers to the deduplicated table but has no primary key, so a re-pointed row could not be found again to undo a merge`);
	return { table: table.sql, column, key, indexed: await isIndexed(client, table.oid, column.name) };
}

/**
 * The columns a merge re-points: every foreign key to the table's id (always, since a missed one
 * would cascade or block the delete), then those `with.references` adds, such as a log table's
 * customer_id that no constraint declares. A foreign key on other columns cannot be re-pointed.
 */
export async function findReferences(client: pg.Client, shape: TableShape, extra: string[]): Promise<Reference[]> {
	const { rows } = await client.query<{ table: string; oid: number; width: number; to_id: boolean; name: string; type: string; constraint: string }>(
		`select format('%I.%I', n.nspname, c.relname) as table, c.oid::int as oid, array_length(con.conkey, 1) as width,
		        con.confkey = array[(select attnum from pg_attribute where attrelid = $1 and attname = $2)] as to_id,
		        a.attname as name, format_type(a.atttypid, a.atttypmod) as type, con.conname as constraint
		   from pg_constraint con
		   join pg_class c on c.oid = con.conrelid
		   join pg_namespace n on n.oid = c.relnamespace
		   join pg_attribute a on a.attrelid = con.conrelid and a.attnum = con.conkey[1]
		  where con.contype = 'f' and con.confrelid = $1 and con.conparentid = 0
		  order by 1, a.attname`,
		[shape.oid, shape.id.name]
	);
	const unsupported = rows.filter((r) => r.width !== 1 || !r.to_id);
	if (unsupported.length) {
		throw nonRetryable('DedupeUnsupported', `data.dedupe: foreign keys ${unsupported.map((r) => `${r.table} (${r.constraint})`).join(', ')} refer to columns of ${shape.sql} other than ${shape.id.name}; merging would break them`);
	}
	const found: Reference[] = [];
	for (const r of rows) found.push(await reference(client, { oid: r.oid, sql: r.table }, { name: r.name, sql: pg.escapeIdentifier(r.name), type: r.type }));
	for (const ref of extra) {
		const { table, column } = parseColumnRef(ref);
		const named = await namedReference(client, table, column, `with.references names "${ref}", but`);
		if (!found.some((f) => f.table === named.table && f.column.name === named.column.name)) found.push(named);
	}
	return found;
}

/** A referencing column by its table's name (as written, or as format('%I.%I') gave it) and its own. */
export async function namedReference(client: pg.Client, tableName: string, columnName: string, context: string): Promise<Reference> {
	const table = await resolveRelation(client, tableName);
	if (!table) throw nonRetryable('InvalidStepParams', `data.dedupe: ${context} table ${tableName} does not exist`);
	const column = findColumn(await tableColumns(client, table), columnName);
	if (!column) throw nonRetryable('InvalidStepParams', `data.dedupe: ${context} ${table.sql} has no column "${columnName}"`);
	return reference(client, table, { name: column.name, sql: column.sql, type: column.type });
}

/**
 * The schema of an extension, creating it first when the role may (both pg_trgm and unaccent are
 * trusted extensions, so a database owner may). Null, with the reason, when it cannot be had.
 */
export async function extensionSchema(client: pg.Client, extension: 'pg_trgm' | 'unaccent'): Promise<{ schema: string | null; reason?: string }> {
	let reason: string | undefined;
	try {
		await client.query(`create extension if not exists ${extension}`);
	} catch (error) {
		reason = error instanceof Error ? error.message : String(error);
	}
	const { rows } = await client.query<{ schema: string }>(
		'select n.nspname as schema from pg_extension e join pg_namespace n on n.oid = e.extnamespace where e.extname = $1',
		[extension]
	);
	return rows.length ? { schema: rows[0].schema } : { schema: null, reason: reason ?? 'not installed' };
}
