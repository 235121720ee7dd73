import { randomUUID } from 'node:crypto';
import pg from 'pg';

/**
 * The test cluster's maintenance URL (database `postgres`), set by the integration global setup
 * (test/setup/stack.ts). Tests create their own scratch databases so they never share rows.
 */
export function adminUrl(): string {
	const url = process.env.TEST_PG_ADMIN_URL;
	if (!url) throw new Error('TEST_PG_ADMIN_URL is not set: run this suite through `npm test` (vitest project "integration")');
	return url;
}

export function urlFor(database: string): string {
	const url = new URL(adminUrl());
	url.pathname = `/${database}`;
	return url.toString();
}

/** Creates an empty database with a unique name and returns its URL. */
export async function createScratchDatabase(prefix = 'test'): Promise<string> {
	const name = `${prefix}_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
	const client = new pg.Client({ connectionString: adminUrl() });
	await client.connect();
	try {
		await client.query(`create database ${pg.escapeIdentifier(name)}`);
	} finally {
		await client.end();
	}
	return urlFor(name);
}

/**
 * An empty database owned by a login of its own (not a superuser; CREATEDB, for scratch restores),
 * and that login's URL: what a maintained database looks like to Tend (issue 12, hole 3).
 */
export async function createOwnedDatabase(prefix = 'test'): Promise<string> {
	const name = `${prefix}_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
	const password = randomUUID();
	await withClient(adminUrl(), async (client) => {
		await client.query(`create role ${pg.escapeIdentifier(name)} login createdb password ${pg.escapeLiteral(password)}`);
		await client.query(`create database ${pg.escapeIdentifier(name)} owner ${pg.escapeIdentifier(name)}`);
	});
	const url = new URL(urlFor(name));
	url.username = name;
	url.password = password;
	return url.toString();
}

export async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
	const client = new pg.Client({ connectionString: url });
	await client.connect();
	try {
		return await fn(client);
	} finally {
		await client.end();
	}
}
