import { boolean, index, pgEnum, pgTable, primaryKey, text, timestamp, uuid, type AnyPgColumn } from 'drizzle-orm/pg-core';
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
	/** Set when the password was generated or reset by someone else: the next sign-in must choose a new one first. */
	mustChangePassword: boolean('must_change_password').notNull().default(false),
	passwordChangedAt: timestamp('password_changed_at', { withTimezone: true }),
	/** A disabled user cannot sign in, and their sessions and tokens stop working; the row and its history stay. */
	disabledAt: timestamp('disabled_at', { withTimezone: true }),
	/** Who is told when this person's training is overdue (DESIGN §5). */
	managerId: uuid('manager_id').references((): AnyPgColumn => users.id, { onDelete: 'set null' }),
	lastLoginAt: timestamp('last_login_at', { withTimezone: true }),
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
		/** When this session last proved a second factor (sign-in or step-up); null without MFA. */
		secondFactorAt: timestamp('second_factor_at', { withTimezone: true }),
		/** The absolute lifetime counts from here, however often the session is renewed. */
		createdAt: createdAt()
	},
	(t) => [index('sessions_user_idx').on(t.userId)]
);

export type User = typeof users.$inferSelect;
export type NewUser = typeof users.$inferInsert;
export type Session = typeof sessions.$inferSelect;
