import { describe, expect, it } from 'vitest';
import { findPgTool, libpqEnv, withDatabase } from '../../activities/pg-tools.ts';

describe('PostgreSQL client tools', () => {
	it('names the package to install when no pg_dump is new enough', () => {
		expect(() => findPgTool('pg_dump', 99, '/nonexistent')).toThrow(/pg_dump for PostgreSQL 99 or newer was not found: install postgresql-client-99/);
	});

	it('puts credentials in the libpq environment, decoded, never in argv', () => {
		const env = libpqEnv('postgres://tend:p%40ss%2Fword@db.internal:6543/crm_demo?sslmode=require');
		expect(env).toEqual({ PGHOST: 'db.internal', PGPORT: '6543', PGDATABASE: 'crm_demo', PGUSER: 'tend', PGPASSWORD: 'p@ss/word', PGSSLMODE: 'require' });
		expect(libpqEnv('postgres://u@h/db', 'scratch').PGDATABASE).toBe('scratch');
	});

	it('swaps the database of a URL and keeps the rest', () => {
		expect(withDatabase('postgres://u:p@h:5433/crm?sslmode=disable', 'tend_verify_1')).toBe('postgres://u:p@h:5433/tend_verify_1?sslmode=disable');
	});
});
