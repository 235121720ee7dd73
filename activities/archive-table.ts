import pg from 'pg';
import { nonRetryable } from './failures.ts';
import { tableColumns, type Relation } from './pg-catalog.ts';
import { columnList, type RetentionTable } from './retention-table.ts';

export const DEFAULT_ARCHIVE_SCHEMA = 'tend_archive';

/** Identifiers are at most 63 bytes; longer ones PostgreSQL would cut silently, we cut visibly. */
const identifier = (text: string) => Buffer.from(text).subarray(0, 63).toString().replace(/\uFFFD$/, '');

/**
 * The archive table for `t`: `<schema>.<table>` (`<schema>.<source schema>_<table>` outside
 * public), created LIKE the source with a unique index on its key. The index makes archiving an
 * upsert, so a retried or repeated archive of the same rows stores each row once, as it was last
 * seen, and an archive step followed by a purge with `archive: true` adds no duplicates.
 */
export async function ensureArchiveTable(client: pg.Client, t: RetentionTable, schema: string): Promise<Relation> {
	const name = identifier(t.table.schema === 'public' ? t.table.name : `${t.table.schema}_${t.table.name}`);
	const archive = `${pg.escapeIdentifier(schema)}.${pg.escapeIdentifier(name)}`;
	await client.query(`create schema if not exists ${pg.escapeIdentifier(schema)}`);
	await client.query(`create table if not exists ${archive} (like ${t.table.sql})`);
	await client.query(`create unique index if not exists ${pg.escapeIdentifier(identifier(`${name}_tend_key`))} on ${archive} (${t.key.sql})`);
	const { rows } = await client.query<{ oid: number; label: string }>(`select to_regclass($1)::oid::int as oid, format('%I.%I', $2::text, $3::text) as label`, [archive, schema, name]);
	const relation: Relation = { oid: rows[0].oid, schema, name, sql: archive, label: rows[0].label };
	const present = new Set((await tableColumns(client, relation)).map((c) => c.name));
	const missing = t.columns.filter((c) => !present.has(c.name)).map((c) => c.name);
	if (missing.length) {
		throw nonRetryable('ArchiveTableMismatch', `archive table ${relation.label} lacks column(s) ${missing.join(', ')} of ${t.table.label}; add them (alter table ${relation.label} add column …) and run again`);
	}
	return relation;
}

/** `insert … select` of every source column from `source` (a CTE), as an upsert on the key; one row returned per row stored. */
export function upsertArchive(archive: Relation, t: RetentionTable, source: string): string {
	const columns = columnList(t);
	const set = t.columns.map((c) => `${c.sql} = excluded.${c.sql}`).join(', ');
	return `insert into ${archive.sql} (${columns}) select ${columns} from ${source} on conflict (${t.key.sql}) do update set ${set} returning 1`;
}

/** `schema:NAME` → NAME as SQL reads an unquoted name (lower case). */
export function archiveSchemaName(name: string | undefined): string {
	if (name === undefined) return DEFAULT_ARCHIVE_SCHEMA;
	if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw nonRetryable('InvalidStepParams', `"${name}" is not a schema name`);
	return name.toLowerCase();
}
