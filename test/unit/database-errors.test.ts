import { DrizzleQueryError } from 'drizzle-orm/errors';
import { describe, expect, it } from 'vitest';
import { readableDatabaseError } from '../../activities/failures.ts';

describe('errors from Tend’s own database in a step', () => {
	it('keep the database’s message and drop the SQL and its parameters', () => {
		const cause = new Error('column "offsite_path" does not exist');
		const readable = readableDatabaseError(new DrizzleQueryError('select "offsite_path" from "backups" where "id" = $1', ['bk-secret-id'], cause)) as Error;
		expect(readable.message).toBe(`Tend's database refused a query: column "offsite_path" does not exist`);
		expect(readable.message).not.toContain('select');
		expect(readable.message).not.toContain('bk-secret-id');
		expect(readable.cause).toBe(cause);
	});

	it('leave every other error as it is', () => {
		const other = new Error('pg_dump exited with 1');
		expect(readableDatabaseError(other)).toBe(other);
	});
});
