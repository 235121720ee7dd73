import { describe, expect, it } from 'vitest';
import { parseTarget } from '../../runbooks/parse.ts';
import { SECRET_NAME_PATTERN } from '../../shared/secret-store.ts';
import { describeConnectionError, describeEndpoint, redact, withoutCredentials } from '../../shared/target-connections.ts';
import { expectError, positionOf } from './runbook-helpers.ts';

const target = (mainUrl: string, replicaUrl = 'secret:crm-replica') => `apiVersion: tend/v1
kind: Target
metadata: { name: crm, title: CRM }
spec:
  databases:
    main: { url: "${mainUrl}" }
    replica: { url: "${replicaUrl}" }
`;

function errorsOf(source: string, secrets?: string[]) {
	const result = parseTarget(source, secrets ? { secrets } : {});
	if (result.ok) throw new Error('expected the target to be rejected');
	return result.errors;
}

describe('a target’s secret references', () => {
	it('must name stored secrets, each missing one reported at its field with how to create it', () => {
		const source = target('secret:crm-main');
		const errors = errorsOf(source, ['unrelated', 'crm-replica']);
		expect(errors).toHaveLength(1);
		expectError(errors, 'spec.databases.main.url', 'secret "crm-main" does not exist; an admin stores it with PUT /api/v1/secrets/crm-main {"value": "postgres://…"}, then publish the target again', positionOf(source, '"secret:crm-main"'));
		expect(parseTarget(source, { secrets: ['crm-main', 'crm-replica'] }).ok).toBe(true);
	});

	it('suggests a close name but never lists the other secrets (authors may not read them)', () => {
		const errors = errorsOf(target('secret:crm-mian'), ['crm-main', 'crm-replica', 'payroll-db']);
		expect(errors[0].message).toMatch(/^secret "crm-mian" does not exist; did you mean "crm-main"\?; /);
		expect(errors[0].message).not.toContain('payroll-db');
		expect(errorsOf(target('secret:zzz'), ['payroll-db'])[0].message).not.toContain('payroll-db');
	});

	it('are checked only when the caller says which secrets exist', () => {
		expect(parseTarget(target('secret:nowhere')).ok).toBe(true);
	});

	it('cannot be sidestepped by writing the password into the URL, in its user part or its query', () => {
		for (const url of ['postgres://crm:hunter2@db:5432/crm', 'postgresql://crm@db/crm?sslmode=require&password=hunter2', 'postgres://db/crm?PASSWORD=hunter2']) {
			const source = target(url);
			expectError(errorsOf(source, ['crm-replica']), 'spec.databases.main.url', 'holds a password: store the URL as a secret and write secret:NAME here', positionOf(source, `"${url}"`));
		}
		expect(parseTarget(target('postgres://crm@db/crm?sslmode=require'), { secrets: ['crm-replica'] }).ok).toBe(true);
	});

	it('secret names follow the reference pattern', () => {
		for (const name of ['crm-demo-db', 'A.b_c-1', '9lives']) expect(SECRET_NAME_PATTERN.test(name)).toBe(true);
		for (const name of ['', '-lead', 'has space', 'slash/name', 'x'.repeat(129), 'semi;colon']) expect(SECRET_NAME_PATTERN.test(name)).toBe(false);
	});
});

describe('what a connection test may say', () => {
	const url = 'postgres://tend:s3cr%40t-pw@db.internal:6543/crm_prod?sslmode=require';

	it('names the host and database, never the credentials', () => {
		expect(describeEndpoint(url)).toEqual({ host: 'db.internal:6543', database: 'crm_prod' });
		expect(describeEndpoint('postgresql://tend@localhost')).toEqual({ host: 'localhost:5432', database: 'tend' });
		expect(describeEndpoint('postgres:///crm?host=/var/run/postgresql')).toEqual({ host: '/var/run/postgresql', database: 'crm' });
		expect(describeEndpoint('postgres://[broken')).toBeNull();
		expect(withoutCredentials('https://probe:token123@status.example.test/health')).toBe('https://status.example.test/health');
		expect(withoutCredentials('http://127.0.0.1:5173/healthz')).toBe('http://127.0.0.1:5173/healthz');
	});

	it('removes the URL and its password, encoded or not, from anything a driver echoes', () => {
		expect(redact(`could not parse ${url}`, url)).toBe('could not parse …');
		expect(redact('bad password s3cr@t-pw and s3cr%40t-pw', url)).toBe('bad password … and …');
		expect(redact('connection refused', url)).toBe('connection refused');
	});

	it('turns driver errors into sentences a person can act on', () => {
		const where = { host: 'db.internal:6543', database: 'crm_prod' };
		const error = (message: string, code?: string) => Object.assign(new Error(message), code ? { code } : {});
		expect(describeConnectionError(error('connect ECONNREFUSED 10.0.0.1:6543', 'ECONNREFUSED'), where, 5000, 3)).toBe('connection refused at db.internal:6543: is PostgreSQL running and listening there?');
		expect(describeConnectionError(error('getaddrinfo ENOTFOUND db.internal', 'ENOTFOUND'), where, 5000, 20)).toBe('host db.internal not found');
		expect(describeConnectionError(error('timeout expired'), where, 5000, 5003)).toBe('no answer from db.internal:6543 within 5 s');
		expect(describeConnectionError(error('Connection terminated unexpectedly'), where, 5000, 40)).toBe('Connection terminated unexpectedly');
		expect(describeConnectionError(error('Query read timeout'), where, 5000, 5000)).toBe('the server at db.internal:6543 did not answer the check query within 5 s');
		expect(describeConnectionError(error('database "crm_prod" does not exist', '3D000'), where, 5000, 8)).toBe('database "crm_prod" does not exist (SQLSTATE 3D000)');
		expect(describeConnectionError(error('password authentication failed for user "tend"', '28P01'), where, 5000, 8)).toBe('password authentication failed for user "tend" (SQLSTATE 28P01)');
	});
});
