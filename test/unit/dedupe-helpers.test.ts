import { describe, expect, it } from 'vitest';
import { ACCENTED, UNACCENTED } from '../../activities/dedupe/key-sql.ts';
import { archiveTableName, dedupeParams, mergeToUndo, parseColumnRef, summariseReasons } from '../../activities/dedupe/params.ts';

describe('data.dedupe parameters', () => {
	it('default to the demo CRM: customers by email, phone and name, survivors by age', () => {
		expect(dedupeParams.parse({ database: 'main', mode: 'dry-run' })).toEqual({
			database: 'main',
			mode: 'dry-run',
			keys: ['email', 'phone', 'name'],
			table: 'customers',
			idColumn: 'id',
			columns: { email: 'email', phone: 'phone', name: ['first_name', 'last_name'] },
			emailAliases: false,
			similarity: 0.6,
			maxBlockSize: 50,
			maxGroupSize: 10,
			references: [],
			batchSize: 500
		});
	});

	it('refuse identifiers that are not plain names, so nothing but a catalog lookup reaches SQL', () => {
		for (const bad of [{ table: 'customers; drop table x' }, { idColumn: 'id"' }, { columns: { name: ['first name'] } }, { references: ['contacts'] }]) {
			expect(dedupeParams.safeParse({ database: 'main', mode: 'merge', ...bad }).success, JSON.stringify(bad)).toBe(false);
		}
		expect(dedupeParams.safeParse({ database: 'main', mode: 'merge', table: 'crm.customers', references: ['crm.app_logs.customer_id'] }).success).toBe(true);
	});
});

describe('mergeToUndo', () => {
	it('undoes the merge of the step a compensation runs for', () => {
		expect(mergeToUndo({ runId: 'r1', stepId: 'merge.rollback' }, {})).toEqual({ runId: 'r1', stepId: 'merge' });
	});

	it('takes the run and step an unmerge names over its own', () => {
		expect(mergeToUndo({ runId: 'r2', stepId: 'undo' }, { mergeRun: 'r1', mergeStep: 'merge' })).toEqual({ runId: 'r1', stepId: 'merge' });
		expect(mergeToUndo({ runId: 'r2', stepId: 'merge[3].rollback' }, {})).toEqual({ runId: 'r2', stepId: 'merge[3]' });
	});
});

describe('archiveTableName', () => {
	it('names the archive after the table and keeps within 63 bytes', () => {
		expect(archiveTableName('customers')).toBe('customers_merged');
		const long = archiveTableName('x'.repeat(63));
		expect(long).toHaveLength(63);
		expect(long.endsWith('_merged')).toBe(true);
	});
});

describe('parseColumnRef', () => {
	it('splits the column from a table that may carry its schema', () => {
		expect(parseColumnRef('app_logs.customer_id')).toEqual({ table: 'app_logs', column: 'customer_id' });
		expect(parseColumnRef('crm.app_logs.customer_id')).toEqual({ table: 'crm.app_logs', column: 'customer_id' });
	});
});

describe('summariseReasons', () => {
	it('lists each kind of match once, in the order first seen, without similarity scores', () => {
		expect(summariseReasons(['same email, similar name (0.71)', 'same phone', 'same email, similar name (0.92)'])).toBe('same email, similar name, same phone');
		expect(summariseReasons([])).toBe('');
	});
});

describe('the translate() fallback for unaccent', () => {
	it('maps every accented letter to one plain letter of the same case', () => {
		const from = [...ACCENTED];
		const to = [...UNACCENTED];
		expect(to).toHaveLength(from.length);
		expect(new Set(from).size).toBe(from.length);
		from.forEach((letter, i) => {
			expect(letter.normalize('NFD').replace(/\p{M}/gu, '').replace('Ø', 'O').replace('ø', 'o').replace('Ł', 'L').replace('ł', 'l'), letter).toBe(to[i]);
		});
	});
});
