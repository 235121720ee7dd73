import { createHmac } from 'node:crypto';
import pg from 'pg';
import { SCRATCH_MARK } from '../runbooks/step-schemas.ts';

/**
 * The embedded cluster's logins (issue 12, hole 3). The cluster's superuser (`tend`) only
 * provisions: Tend's web and worker use Tend's own database as its owner, `tend_app`, and the demo
 * CRM target connects as three least-privilege logins, none of which can reach Tend's database.
 * Everything here is idempotent and runs at every start, so an install made before these logins
 * existed gets them, and its objects change owner, at its next start.
 */
export const APP_LOGIN = 'tend_app';

export const CRM_DEMO_LOGINS = {
	/** Owns crm_demo and what is in it: restores, migrations, maintenance, retention, dedupe. CREATEDB for scratch restores. */
	owner: 'crm_demo_owner',
	/** pg_dump: reads every table (pg_read_all_data), bypasses row security so a dump is whole. */
	backup: 'crm_demo_backup',
	/** sql.check: reads (pg_read_all_data), read-only by default, nothing on the server's files or programs. */
	read: 'crm_demo_reader'
} as const;
export type CrmDemoPurpose = keyof typeof CRM_DEMO_LOGINS;

/**
 * A login's password, derived from the cluster superuser's (kept in TEND_HOME/state.json), so an
 * existing install needs no new state and every start sets the same password again.
 */
export function loginPassword(rootPassword: string, login: string): string {
	return createHmac('sha256', rootPassword).update(`tend login ${login}`).digest('base64url');
}

/** `url` (the superuser's, on some database) with another login and database. */
export function loginUrl(url: string, login: string, password: string, database: string): string {
	const parsed = new URL(url);
	parsed.username = encodeURIComponent(login);
	parsed.password = encodeURIComponent(password);
	parsed.pathname = `/${encodeURIComponent(database)}`;
	return parsed.toString();
}

const ident = pg.escapeIdentifier;
const literal = pg.escapeLiteral;

async function withSession<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
	const client = new pg.Client({ connectionString: url });
	client.on('error', () => {});
	await client.connect();
	try {
		return await work(client);
	} finally {
		await client.end().catch(() => {});
	}
}

/** Creates the login if it is missing; either way sets its attributes and password now. */
async function ensureLogin(client: pg.Client, login: string, password: string, attributes: string): Promise<void> {
	const { rowCount } = await client.query('select 1 from pg_roles where rolname = $1', [login]);
	// CREATE/ALTER ROLE take no parameters: names are quoted identifiers, the password a quoted literal.
	if (!rowCount) await client.query(`create role ${ident(login)} login`);
	await client.query(`alter role ${ident(login)} with login nosuperuser nocreaterole noreplication ${attributes} password ${literal(password)}`);
}

/**
 * Statements that give `to` what `from` owns in the connected database (schemas, tables, views,
 * standalone sequences, enums and domains, functions), leaving extension members alone. REASSIGN
 * OWNED cannot do this: `from` is the bootstrap superuser, whose objects the system also needs.
 */
const OWNED = (kinds: string) => `
	select statement from (
		select 1 as pass, format('alter schema %I owner to %I', n.nspname, $2::text) as statement
		  from pg_namespace n where n.nspowner = $1::regrole and ${notSystem('n.nspname')} and ${notExtensionMember("'pg_namespace'", 'n.oid')}
		union all
		select 2, format('alter table %s owner to %I', c.oid::regclass, $2::text)
		  from pg_class c join pg_namespace n on n.oid = c.relnamespace
		 where c.relowner = $1::regrole and c.relkind = any(${kinds}) and ${notSystem('n.nspname')} and ${notExtensionMember("'pg_class'", 'c.oid')}
		union all
		select 3, format('alter type %s owner to %I', t.oid::regtype, $2::text)
		  from pg_type t join pg_namespace n on n.oid = t.typnamespace
		 where t.typowner = $1::regrole and t.typtype in ('e', 'd') and ${notSystem('n.nspname')} and ${notExtensionMember("'pg_type'", 't.oid')}
		union all
		select 4, format('alter routine %s owner to %I', p.oid::regprocedure, $2::text)
		  from pg_proc p join pg_namespace n on n.oid = p.pronamespace
		 where p.proowner = $1::regrole and ${notSystem('n.nspname')} and ${notExtensionMember("'pg_proc'", 'p.oid')}
	) owned order by pass`;
const notSystem = (column: string) => `${column} <> 'information_schema' and ${column} !~ '^pg_'`;
const notExtensionMember = (catalog: string, oid: string) => `not exists (select 1 from pg_depend d where d.classid = ${catalog}::regclass and d.objid = ${oid} and d.deptype = 'e')`;

async function giveOwnership(client: pg.Client, from: string, to: string): Promise<number> {
	// Tables first (their owned sequences follow them); then the sequences still left are standalone ones.
	let changed = 0;
	for (const kinds of ["array['r','p','v','m','f']::\"char\"[]", "array['S']::\"char\"[]"]) {
		const { rows } = await client.query<{ statement: string }>(OWNED(kinds), [from, to]);
		for (const { statement } of rows) await client.query(statement);
		changed += rows.length;
	}
	return changed;
}

export interface ProvisionOptions {
	/** The cluster superuser's URL (any database); its password is the root of the logins' passwords. */
	superuserUrl: string;
	superuser: string;
	rootPassword: string;
}

/**
 * Tend's own database as `tend_app`'s: the owner of the database and of everything in it, not a
 * superuser, and the only login besides the superuser that may connect to it. Returns its URL.
 */
export async function provisionAppDatabase(options: ProvisionOptions, database: string, login: string = APP_LOGIN): Promise<string> {
	const password = loginPassword(options.rootPassword, login);
	await withSession(options.superuserUrl, async (client) => {
		await ensureLogin(client, login, password, 'nocreatedb nobypassrls');
		await client.query(`alter database ${ident(database)} owner to ${ident(login)}`);
		// pg_read_all_data (the backup and read logins of targets on this cluster) must not reach Tend's own rows.
		await client.query(`revoke connect, temporary on database ${ident(database)} from public`);
		await client.query(`grant connect, temporary on database ${ident(database)} to ${ident(login)}`);
	});
	await withSession(loginUrl(options.superuserUrl, options.superuser, options.rootPassword, database), (client) => giveOwnership(client, options.superuser, login));
	return loginUrl(options.superuserUrl, login, password, database);
}

/**
 * The demo CRM's three logins: its owner (owns the database and its objects, may create scratch
 * databases), a backup login and a read login. Returns their URLs.
 */
export async function provisionCrmDemo(options: ProvisionOptions, database: string): Promise<Record<CrmDemoPurpose, string>> {
	const passwords = Object.fromEntries(Object.values(CRM_DEMO_LOGINS).map((login) => [login, loginPassword(options.rootPassword, login)]));
	await withSession(options.superuserUrl, async (client) => {
		await ensureLogin(client, CRM_DEMO_LOGINS.owner, passwords[CRM_DEMO_LOGINS.owner], 'createdb nobypassrls');
		await ensureLogin(client, CRM_DEMO_LOGINS.backup, passwords[CRM_DEMO_LOGINS.backup], 'nocreatedb bypassrls');
		await ensureLogin(client, CRM_DEMO_LOGINS.read, passwords[CRM_DEMO_LOGINS.read], 'nocreatedb nobypassrls');
		for (const login of [CRM_DEMO_LOGINS.backup, CRM_DEMO_LOGINS.read]) await client.query(`grant pg_read_all_data to ${ident(login)}`);
		// A check's transaction is read-only anyway (activities/sql-check.ts); the login's default says so too.
		await client.query(`alter role ${ident(CRM_DEMO_LOGINS.read)} set default_transaction_read_only = on`);
		await client.query(`alter database ${ident(database)} owner to ${ident(CRM_DEMO_LOGINS.owner)}`);
		// Scratch databases an earlier version's restores left (as the superuser): the owner login drops and recreates them now.
		const { rows } = await client.query<{ name: string }>(
			`select datname as name from pg_database where datdba = $1::regrole and shobj_description(oid, 'pg_database') = $2`,
			[options.superuser, SCRATCH_MARK]
		);
		for (const { name } of rows) await client.query(`alter database ${ident(name)} owner to ${ident(CRM_DEMO_LOGINS.owner)}`);
	});
	await withSession(loginUrl(options.superuserUrl, options.superuser, options.rootPassword, database), (client) => giveOwnership(client, options.superuser, CRM_DEMO_LOGINS.owner));
	const url = (purpose: CrmDemoPurpose) => loginUrl(options.superuserUrl, CRM_DEMO_LOGINS[purpose], passwords[CRM_DEMO_LOGINS[purpose]], database);
	return { owner: url('owner'), backup: url('backup'), read: url('read') };
}
