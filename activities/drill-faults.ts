import pg from 'pg';
import { FAULT_WITH_SCHEMAS, splitTable, type FaultType } from '../runbooks/drill-faults.ts';
import { nonRetryable } from './failures.ts';

/**
 * What a fault does to a database, as SQL built from checked identifiers (quoted) and values
 * (parameters). Only ever called by `drills.injectFault` once it has proved the database is a
 * drill's scratch copy (activities/drills.ts, assertScratch).
 */
const ident = (name: string) => pg.escapeIdentifier(name);
const table = (name: string) => splitTable(name).map(ident).join('.');

export async function applyFault(client: pg.Client, admin: pg.Client, database: string, fault: FaultType, raw: unknown): Promise<{ affected: number; summary: string }> {
	const parsed = FAULT_WITH_SCHEMAS[fault].safeParse(raw);
	if (!parsed.success) throw nonRetryable('InvalidFault', `fault ${fault}: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'with'}: ${i.message}`).join('; ')}`);
	const w = parsed.data as Record<string, unknown> & { table?: string };
	if (w.table) {
		const [schema, name] = splitTable(w.table);
		const { rowCount } = await client.query('select 1 from pg_tables where schemaname = $1 and tablename = $2', [schema, name]);
		if (!rowCount) throw nonRetryable('InvalidFault', `fault ${fault}: the scratch copy has no table ${w.table}`);
	}
	switch (fault) {
		case 'table.drop': {
			const { rows } = await client.query<{ n: string }>(`select count(*) as n from ${table(w.table!)}`);
			await client.query(`drop table ${table(w.table!)} cascade`);
			return { affected: Number(rows[0].n), summary: `dropped table ${w.table} (${rows[0].n} rows)` };
		}
		case 'rows.delete': {
			const where = w.where as { column: string; op: string; value: unknown };
			const result = await client.query(`delete from ${table(w.table!)} where ${ident(where.column)} ${where.op} $1`, [where.value]);
			return { affected: result.rowCount ?? 0, summary: `deleted ${result.rowCount} rows of ${w.table} where ${where.column} ${where.op} ${JSON.stringify(where.value)}` };
		}
		case 'column.corrupt': {
			const { column, value, fraction } = w as unknown as { column: string; value: unknown; fraction: number };
			// Every n-th row by its physical position: repeatable on the same copy, no key needed.
			const step = Math.max(1, Math.round(1 / fraction));
			const result = await client.query(
				`update ${table(w.table!)} t set ${ident(column)} = $1 from (select ctid, row_number() over () as n from ${table(w.table!)}) s where t.ctid = s.ctid and s.n % $2 = 0`,
				[value, step]
			);
			return { affected: result.rowCount ?? 0, summary: `overwrote ${column} of ${result.rowCount} rows of ${w.table} with ${JSON.stringify(value)}` };
		}
		case 'database.drop': {
			await client.end().catch(() => {});
			await admin.query(`drop database ${ident(database)} with (force)`);
			return { affected: 1, summary: `dropped database ${database}` };
		}
		case 'role.revoke': {
			const { role, schema } = w as unknown as { role: string; schema: string };
			const { rowCount } = await client.query('select 1 from pg_roles where rolname = $1', [role]);
			if (!rowCount) throw nonRetryable('InvalidFault', `fault role.revoke: no role ${role} on the server`);
			await client.query(`revoke all on all tables in schema ${ident(schema)} from ${ident(role)}`);
			return { affected: 1, summary: `revoked ${role}'s access to the tables of ${schema}` };
		}
	}
}
