import { index, pgEnum, pgTable, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { createdAt, timestamps } from './_helpers.ts';

/** DESIGN §7: the roles Tend knows. Checked on every page, action, API route and in workflows. */
export const ROLES = ['admin', 'author', 'approver', 'responder', 'operator', 'viewer', 'member'] as const;
export type Role = (typeof ROLES)[number];
export const roleEnum = pgEnum('role', ROLES);

export const roles = pgTable('roles', {
	name: roleEnum('name').primaryKey(),
	description: text('description').notNull()
});

export const users = pgTable('users', {
	id: uuid('id').primaryKey().defaultRandom(),
	username: text('username').notNull().unique(),
	email: text('email').notNull(),
	displayName: text('display_name').notNull(),
	passwordHash: text('password_hash').notNull(),
	...timestamps
});

export const userRoles = pgTable(
	'user_roles',
	{
		userId: uuid('user_id')
			.notNull()
			.references(() => users.id, { onDelete: 'cascade' }),
		role: roleEnum('role')
			.notNull()
			.references(() => roles.name, { onDelete: 'restrict' })
	},
	(t) => [primaryKey({ columns: [t.userId, t.role] }), index('user_roles_role_idx').on(t.role)]
);

/** Lucia-style sessions: the id is the SHA-256 of the token the cookie carries. */
export const sessions = pgTable(
	'sessions',
	{
		id: text('id').primaryKey(),
		userId: uuid('user_id')
			.notNull()
			.references(() => users.id, { onDelete: 'cascade' }),
		expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
		createdAt: createdAt()
	},
	(t) => [index('sessions_user_idx').on(t.userId)]
);

export type User = typeof users.$inferSelect;
export type NewUser = typeof users.$inferInsert;
export type Session = typeof sessions.$inferSelect;
