import { and, asc, eq, inArray, isNull, ne, sql } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import { sessions, userRoles, users, userTotp, type Role } from '$db/schema/index.ts';
import { appendAudit } from '$shared/audit.ts';
import { hashPassword, rolesOf } from './auth.ts';
import { getDb } from './db.ts';
import type { NewUserInput, UserUpdate } from './user-input.ts';

export { newUserSchema, userUpdateSchema, USERNAME_PATTERN, type NewUserInput, type UserUpdate } from './user-input.ts';


export interface UserSummary {
	id: string;
	username: string;
	displayName: string;
	email: string;
	roles: Role[];
	/** The manager's username. */
	manager: string | null;
	disabled: boolean;
	disabledAt: Date | null;
	mustChangePassword: boolean;
	mfaEnrolled: boolean;
	lastLoginAt: Date | null;
	createdAt: Date;
}

export class UserExistsError extends Error {
	override name = 'UserExistsError';
	constructor(readonly username: string) {
		super(`a user named "${username}" already exists`);
	}
}

export class UserNotFoundError extends Error {
	override name = 'UserNotFoundError';
	constructor(readonly username: string) {
		super(`there is no user named "${username}"`);
	}
}

/** A change the rules refuse, with the field it is about. */
export class UserUpdateRefusedError extends Error {
	override name = 'UserUpdateRefusedError';
	constructor(
		readonly path: string,
		message: string
	) {
		super(message);
	}
}

const managers = alias(users, 'managers');

const summaryColumns = {
	id: users.id,
	username: users.username,
	displayName: users.displayName,
	email: users.email,
	roles: rolesOf(users.id),
	manager: managers.username,
	disabledAt: users.disabledAt,
	mustChangePassword: users.mustChangePassword,
	mfaEnrolled: sql<boolean>`exists(select 1 from ${userTotp} t where t.user_id = ${users.id} and t.confirmed_at is not null)`,
	lastLoginAt: users.lastLoginAt,
	createdAt: users.createdAt
};

const toSummary = (row: Omit<UserSummary, 'disabled'>): UserSummary => ({ ...row, disabled: row.disabledAt !== null });

export async function listUsers(): Promise<UserSummary[]> {
	const rows = await getDb().select(summaryColumns).from(users).leftJoin(managers, eq(managers.id, users.managerId)).orderBy(asc(users.username));
	return rows.map(toSummary);
}

export async function getUser(username: string): Promise<UserSummary | null> {
	const [row] = await getDb().select(summaryColumns).from(users).leftJoin(managers, eq(managers.id, users.managerId)).where(eq(users.username, username));
	return row ? toSummary(row) : null;
}

export async function findUserForLogin(username: string): Promise<{ id: string; passwordHash: string; disabled: boolean; mfaEnrolled: boolean } | undefined> {
	const [row] = await getDb()
		.select({ id: users.id, passwordHash: users.passwordHash, disabledAt: users.disabledAt, mfaEnrolled: summaryColumns.mfaEnrolled })
		.from(users)
		.where(eq(users.username, username.trim().toLowerCase()));
	return row && { id: row.id, passwordHash: row.passwordHash, disabled: row.disabledAt !== null, mfaEnrolled: row.mfaEnrolled };
}

type Tx = Parameters<Parameters<ReturnType<typeof getDb>['transaction']>[0]>[0];

async function managerId(tx: Tx, manager: string | null | undefined, self?: string): Promise<string | null | undefined> {
	if (manager === undefined) return undefined;
	if (manager === null) return null;
	if (manager === self) throw new UserUpdateRefusedError('manager', 'a person cannot be their own manager');
	const [row] = await tx.select({ id: users.id }).from(users).where(eq(users.username, manager));
	if (!row) throw new UserUpdateRefusedError('manager', `there is no user named "${manager}"`);
	return row.id;
}

/**
 * Creates a user with their roles and the audit entry in one transaction; throws
 * UserExistsError for a taken username. `actor` is the username of whoever asked.
 */
export async function createUser(input: NewUserInput, actor: string): Promise<UserSummary> {
	const passwordHash = await hashPassword(input.password);
	const roles = [...new Set(input.roles)];
	const username = await getDb().transaction(async (tx) => {
		const manager = await managerId(tx, input.manager, input.username);
		const [user] = await tx
			.insert(users)
			.values({
				username: input.username,
				email: input.email ?? '',
				displayName: input.displayName || input.username,
				passwordHash,
				mustChangePassword: input.mustChangePassword ?? false,
				managerId: manager ?? null
			})
			.onConflictDoNothing({ target: users.username })
			.returning({ id: users.id, username: users.username });
		if (!user) throw new UserExistsError(input.username);
		await tx.insert(userRoles).values(roles.map((role) => ({ userId: user.id, role })));
		await appendAudit(tx, { actor, action: 'user.create', subject: `user:${user.username}`, details: { id: user.id, roles, ...(input.manager ? { manager: input.manager } : {}) } });
		return user.username;
	});
	return (await getUser(username))!;
}

/** Refuses a change that would leave nobody able to administer Tend. Called with the admins' rows locked. */
async function assertAnotherAdminRemains(tx: Tx, userId: string, path: string): Promise<void> {
	const admins = await tx
		.select({ id: users.id })
		.from(users)
		.where(and(inArray(users.id, tx.select({ id: userRoles.userId }).from(userRoles).where(eq(userRoles.role, 'admin'))), isNull(users.disabledAt), ne(users.id, userId)))
		.for('update');
	if (!admins.length) throw new UserUpdateRefusedError(path, 'this is the last enabled admin: make someone else an admin first');
}

/**
 * Applies an admin's change to a user, each kind of change audited on its own (role changes say
 * what was added and removed). Disabling ends every session at once; the user's tokens stop
 * working too (they are checked against the account at each use). Nobody disables themselves,
 * and the last enabled admin keeps the role.
 */
export async function updateUser(username: string, update: UserUpdate, actor: { id: string; username: string }): Promise<UserSummary> {
	await getDb().transaction(async (tx) => {
		const [user] = await tx
			.select({ id: users.id, displayName: users.displayName, email: users.email, disabledAt: users.disabledAt, managerId: users.managerId, roles: rolesOf(users.id) })
			.from(users)
			.where(eq(users.username, username))
			.for('update');
		if (!user) throw new UserNotFoundError(username);

		const changes: Record<string, { from: unknown; to: unknown }> = {};
		const set: Partial<typeof users.$inferInsert> = {};
		if (update.displayName !== undefined && (update.displayName || username) !== user.displayName) {
			set.displayName = update.displayName || username;
			changes.displayName = { from: user.displayName, to: set.displayName };
		}
		if (update.email !== undefined && update.email !== user.email) {
			set.email = update.email;
			changes.email = { from: user.email, to: update.email };
		}
		const manager = await managerId(tx, update.manager, username);
		if (manager !== undefined && manager !== user.managerId) {
			set.managerId = manager;
			changes.manager = { from: user.managerId, to: update.manager };
		}
		if (Object.keys(set).length) {
			await tx.update(users).set(set).where(eq(users.id, user.id));
			await appendAudit(tx, { actor: actor.username, action: 'user.update', subject: `user:${username}`, details: { changes } });
		}

		if (update.roles) {
			const next = [...new Set(update.roles)].sort();
			const added = next.filter((r) => !user.roles.includes(r));
			const removed = user.roles.filter((r) => !next.includes(r));
			if (removed.includes('admin')) await assertAnotherAdminRemains(tx, user.id, 'roles');
			if (added.length || removed.length) {
				await tx.delete(userRoles).where(eq(userRoles.userId, user.id));
				await tx.insert(userRoles).values(next.map((role) => ({ userId: user.id, role })));
				await appendAudit(tx, { actor: actor.username, action: 'user.roles', subject: `user:${username}`, details: { from: user.roles, to: next, added, removed } });
			}
		}

		if (update.disabled !== undefined && update.disabled !== (user.disabledAt !== null)) {
			if (update.disabled) {
				if (user.id === actor.id) throw new UserUpdateRefusedError('disabled', 'you cannot disable yourself');
				if (user.roles.includes('admin')) await assertAnotherAdminRemains(tx, user.id, 'disabled');
				await tx.update(users).set({ disabledAt: new Date() }).where(eq(users.id, user.id));
				const ended = await tx.delete(sessions).where(eq(sessions.userId, user.id)).returning({ id: sessions.id });
				await appendAudit(tx, { actor: actor.username, action: 'user.disable', subject: `user:${username}`, details: { sessionsEnded: ended.length } });
			} else {
				await tx.update(users).set({ disabledAt: null }).where(eq(users.id, user.id));
				await appendAudit(tx, { actor: actor.username, action: 'user.enable', subject: `user:${username}` });
			}
		}
	});
	return (await getUser(username))!;
}
