/**
 * Which login a step uses on a target's database, and what that login may do (issue 12, hole 3).
 * A database in a Target names one URL and, optionally, a login per purpose (`roles`); each step
 * type connects for one purpose, and refuses a superuser unless the database says `allowSuperuser`.
 * docs/decisions.md has the same table in prose.
 */
export const CONNECTION_PURPOSES = ['read', 'backup', 'owner'] as const;
export type ConnectionPurpose = (typeof CONNECTION_PURPOSES)[number];

/** The steps that connect to a target's database, and the purpose each connects for. */
export const STEP_PURPOSE = {
	'sql.check': 'read',
	'postgres.backup': 'backup',
	'backup.verify': 'owner',
	'postgres.restore': 'owner',
	'postgres.migrate': 'owner',
	'postgres.maintain': 'owner',
	'data.dedupe': 'owner',
	'data.purge': 'owner',
	'data.archive': 'owner',
	'logs.cleanup': 'owner',
	'sql.exec': 'owner'
} as const satisfies Record<string, ConnectionPurpose>;
export type DatabaseStep = keyof typeof STEP_PURPOSE;

export interface TargetDatabaseEntry {
	url: string;
	roles?: Partial<Record<ConnectionPurpose, string | undefined>>;
	allowSuperuser?: boolean;
}

/** The reference (`secret:NAME` or URL) a purpose connects with: its own login, else the database's url. */
export function referenceFor(entry: TargetDatabaseEntry, purpose: ConnectionPurpose): { reference: string; field: string } {
	const own = entry.roles?.[purpose];
	return own ? { reference: own, field: `roles.${purpose}` } : { reference: entry.url, field: 'url' };
}

/** What a session's login may do that matters here. */
export interface LoginPrivileges {
	user: string;
	superuser: boolean;
	/** Superuser, or a member of a role that reads or writes the server's files or runs programs on it. */
	serverAccess: boolean;
}

/** Asked of the session itself: `member` counts roles the login could SET ROLE to, not only those it inherits. */
export const LOGIN_PRIVILEGES_SQL = `select current_user as user, r.rolsuper as superuser,
	pg_has_role(current_user, 'pg_read_server_files', 'member')
	or pg_has_role(current_user, 'pg_write_server_files', 'member')
	or pg_has_role(current_user, 'pg_execute_server_program', 'member') as server_access
	from pg_roles r where r.rolname = current_user`;

export interface LoginPrivilegesRow {
	user: string;
	superuser: boolean;
	server_access: boolean;
}

export const loginPrivileges = (row: LoginPrivilegesRow): LoginPrivileges => ({ user: row.user, superuser: row.superuser, serverAccess: row.server_access || row.superuser });

/**
 * Why `step` must not use this login, or null when it may. A read-only check never runs as a login
 * that reaches server files or programs, whatever the target allows: that is what a check is.
 */
export function refusal(step: DatabaseStep, privileges: LoginPrivileges, where: { target: string; database: string; field: string; allowSuperuser: boolean }): { type: string; message: string } | null {
	const purpose = STEP_PURPOSE[step];
	const at = `target "${where.target}", database "${where.database}" (${where.field})`;
	if (purpose === 'read' && privileges.serverAccess) {
		const what = privileges.superuser ? 'a superuser' : 'a member of pg_read_server_files, pg_write_server_files or pg_execute_server_program';
		return {
			type: 'ServerAccessRefused',
			message: `${step} refuses to run as "${privileges.user}" on ${at}: that login is ${what}, so a query could reach the server's files or programs. Give the database a read-only login without them (spec.databases.${where.database}.roles.read).`
		};
	}
	if (privileges.superuser && !where.allowSuperuser) {
		return {
			type: 'SuperuserRefused',
			message: `${step} refuses to connect as "${privileges.user}" on ${at}: that login is a superuser and this step needs only ${PURPOSE_NEEDS[purpose]}. Give the database a least-privilege login (spec.databases.${where.database}.roles.${purpose}), or set allowSuperuser: true on it.`
		};
	}
	return null;
}

export const PURPOSE_NEEDS: Record<ConnectionPurpose, string> = {
	read: 'to read (e.g. pg_read_all_data, in a read-only transaction)',
	backup: 'to read every table (pg_read_all_data)',
	owner: "the database owner's rights (and CREATEDB for scratch databases)"
};
