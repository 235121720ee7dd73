import { asc, eq, sql } from 'drizzle-orm';
import { userRoles, users, type Role } from '../../../../db/schema/index.ts';
import { appendAudit } from '../../../../shared/audit.ts';
import { hashPassword } from './auth.ts';
import { getDb } from './db.ts';
import type { NewUserInput } from './user-input.ts';

export { newUserSchema, USERNAME_PATTERN, type NewUserInput } from './user-input.ts';

export interface UserSummary {
	id: string;
	username: string;
	displayName: string;
	email: string;
	roles: Role[];
	createdAt: Date;
}

export class UserExistsError extends Error {
	override name = 'UserExistsError';
	constructor(readonly username: string) {
		super(`a user named "${username}" already exists`);
	}
}

const rolesOf = sql<Role[]>`coalesce(array(select ur.role::text from user_roles ur where ur.user_id = ${users.id} order by ur.role), '{}')`;

const summaryColumns = {
	id: users.id,
	username: users.username,
	displayName: users.displayName,
	email: users.email,
	roles: rolesOf,
	createdAt: users.createdAt
};

export async function listUsers(): Promise<UserSummary[]> {
	return getDb().select(summaryColumns).from(users).orderBy(asc(users.username));
}

export async function findUserForLogin(username: string): Promise<{ id: string; passwordHash: string } | undefined> {
	const [row] = await getDb()
		.select({ id: users.id, passwordHash: users.passwordHash })
		.from(users)
		.where(eq(users.username, username.trim().toLowerCase()));
	return row;
}

/**
 * Creates a user with their roles and the audit entry in one transaction; throws
 * UserExistsError for a taken username. `actor` is the username of whoever asked.
 */
export async function createUser(input: NewUserInput, actor: string): Promise<UserSummary> {
	const passwordHash = await hashPassword(input.password);
	const roles = [...new Set(input.roles)];
	return getDb().transaction(async (tx) => {
		const [user] = await tx
			.insert(users)
			.values({ username: input.username, email: input.email ?? '', displayName: input.displayName || input.username, passwordHash })
			.onConflictDoNothing({ target: users.username })
			.returning({ id: users.id, username: users.username, displayName: users.displayName, email: users.email, createdAt: users.createdAt });
		if (!user) throw new UserExistsError(input.username);
		await tx.insert(userRoles).values(roles.map((role) => ({ userId: user.id, role })));
		await appendAudit(tx, { actor, action: 'user.create', subject: `user:${user.username}`, details: { id: user.id, roles } });
		return { ...user, roles: [...roles].sort() };
	});
}
