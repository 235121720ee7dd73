import { eq, inArray, sql } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { userRoles, users, ROLES, type Role } from '../db/schema/index.ts';
import { nonRetryable } from './failures.ts';

export interface Person {
	id: string;
	username: string;
	email: string;
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/**
 * `role:X` and `user:Y` → the people they name; plain email addresses are returned apart, since
 * an email may go to anyone while an in-app notice needs an account. An unknown role or user is
 * an error, not silence.
 */
export async function resolveRecipients(db: Db, to: readonly string[]): Promise<{ people: Person[]; addresses: string[] }> {
	const people = new Map<string, Person>();
	const addresses = new Set<string>();
	const columns = { id: users.id, username: users.username, email: users.email };
	for (const entry of to) {
		if (entry.startsWith('role:')) {
			const role = entry.slice(5);
			if (!ROLES.includes(role as Role)) throw nonRetryable('InvalidStepParams', `notify: unknown role "${role}" in ${entry}`);
			const rows = await db.select(columns).from(users).innerJoin(userRoles, eq(userRoles.userId, users.id)).where(eq(userRoles.role, role as Role));
			rows.forEach((row) => people.set(row.id, row));
		} else if (entry.startsWith('user:')) {
			const [row] = await db.select(columns).from(users).where(eq(users.username, entry.slice(5)));
			if (!row) throw nonRetryable('InvalidStepParams', `notify: no user "${entry.slice(5)}"`);
			people.set(row.id, row);
		} else if (EMAIL.test(entry)) {
			addresses.add(entry.toLowerCase());
		} else {
			throw nonRetryable('InvalidStepParams', `notify: "${entry}" is not role:NAME, user:USERNAME or an email address`);
		}
	}
	return { people: [...people.values()], addresses: [...addresses].sort() };
}

/** The accounts that hold these addresses; an address without one is an error naming it. */
export async function peopleWithAddresses(db: Db, addresses: readonly string[]): Promise<Person[]> {
	if (!addresses.length) return [];
	const rows = await db
		.select({ id: users.id, username: users.username, email: users.email })
		.from(users)
		.where(inArray(sql`lower(${users.email})`, [...addresses]));
	const found = new Set(rows.map((row) => row.email.toLowerCase()));
	const missing = addresses.filter((address) => !found.has(address));
	if (missing.length) throw nonRetryable('InvalidStepParams', `notify: no user has the address ${missing.join(', ')}; in-app notifications go to users (role:NAME or user:USERNAME)`);
	return rows;
}
