import { z } from 'zod';

/**
 * The fault catalogue of drills (issue 13): each incident a drill can simulate, with the schema of
 * its `with`. A fault is only ever injected into a scratch copy (activities/drill-faults.ts refuses
 * any other database); the parameters are identifiers and values, never SQL text.
 */
const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;
const identifier = z.string().regex(IDENTIFIER, 'must be a lower-case SQL identifier (letters, digits and _; at most 63)');
/** `schema.table` or `table` (in public). */
const tableName = z.string().regex(/^([a-z_][a-z0-9_]{0,62}\.)?[a-z_][a-z0-9_]{0,62}$/, 'must be a table name, optionally with its schema (public.customers)');

export const CONDITION_OPERATORS = ['=', '<>', '<', '<=', '>', '>='] as const;
const scalar = z.union([z.string().max(1000), z.number(), z.boolean()]);

export const FAULT_WITH_SCHEMAS = {
	'table.drop': z.strictObject({ table: tableName }),
	'rows.delete': z.strictObject({
		table: tableName,
		where: z.strictObject({ column: identifier, op: z.enum(CONDITION_OPERATORS).default('='), value: scalar })
	}),
	'column.corrupt': z.strictObject({
		table: tableName,
		column: identifier,
		/** The value written over the column (null by default); `fraction` of the rows, by primary key order. */
		value: scalar.nullable().default(null),
		fraction: z.number().gt(0).max(1).default(1)
	}),
	'database.drop': z.strictObject({}),
	'role.revoke': z.strictObject({ role: identifier, schema: identifier.default('public') })
} as const;

export type FaultType = keyof typeof FAULT_WITH_SCHEMAS;
export const FAULT_TYPES = Object.keys(FAULT_WITH_SCHEMAS) as FaultType[];

export interface FaultFacts {
	type: FaultType;
	label: string;
	description: string;
}

export const FAULT_FACTS: readonly FaultFacts[] = [
	{ type: 'table.drop', label: 'Drop a table', description: 'DROP TABLE … CASCADE: the table and whatever depends on it are gone.' },
	{ type: 'rows.delete', label: 'Delete rows', description: 'DELETE the rows of a table matching a condition (a bad bulk delete).' },
	{ type: 'column.corrupt', label: 'Corrupt a column', description: 'Overwrite a column with a value in some or all rows (a bad bulk update).' },
	{ type: 'database.drop', label: 'Drop the database', description: 'The whole database is dropped.' },
	{ type: 'role.revoke', label: 'Revoke a role’s access', description: 'REVOKE ALL on every table of a schema from a role.' }
];

export type FaultWith<T extends FaultType> = z.infer<(typeof FAULT_WITH_SCHEMAS)[T]>;

/** `customers` → [public, customers]. */
export function splitTable(name: string): [string, string] {
	const dot = name.indexOf('.');
	return dot < 0 ? ['public', name] : [name.slice(0, dot), name.slice(dot + 1)];
}
