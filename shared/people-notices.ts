import { and, eq, inArray, isNull, sql } from 'drizzle-orm';
import nodemailer from 'nodemailer';
import type { Db } from '../db/client.ts';
import { notifications, userRoles, users, type Role } from '../db/schema/index.ts';

/**
 * Telling people about something that is not a run's step (a feedback item's reminder, a mention,
 * a closure): one in-app notification per person under a key, and a mail to each person whose
 * notification this call added. The key makes a retry add nothing and send nothing twice; a crash
 * between the row and the mail loses the mail, never doubles it — the bell keeps the record; a
 * mail the server refused takes the rows back out, so the retry sends it.
 */

export interface Person {
	id: string;
	username: string;
	email: string;
}

export interface PeopleNotice {
	/** Unique per occasion; the person's id is appended. */
	key: string;
	title: string;
	body: string;
	/** A path in Tend (`/feedback/<id>`). */
	link: string;
}

export interface MailConfig {
	SMTP_URL: string;
	MAIL_FROM: string;
	TEND_PUBLIC_URL?: string;
}

const columns = { id: users.id, username: users.username, email: users.email };

/** Enabled accounts holding any of `roles` (admins only when named). */
export async function peopleWithRoles(db: Db, roles: readonly Role[]): Promise<Person[]> {
	if (!roles.length) return [];
	return db.selectDistinct(columns).from(users).innerJoin(userRoles, eq(userRoles.userId, users.id)).where(and(inArray(userRoles.role, [...roles]), isNull(users.disabledAt)));
}

export async function peopleByUsername(db: Db, usernames: readonly string[]): Promise<Person[]> {
	if (!usernames.length) return [];
	return db.select(columns).from(users).where(and(inArray(sql`lower(${users.username})`, usernames.map((u) => u.toLowerCase())), isNull(users.disabledAt)));
}

export async function peopleById(db: Db, ids: readonly string[]): Promise<Person[]> {
	if (!ids.length) return [];
	return db.select(columns).from(users).where(and(inArray(users.id, [...ids]), isNull(users.disabledAt)));
}

export async function tellPeople(db: Db, mail: MailConfig | null, people: readonly Person[], notice: PeopleNotice): Promise<Person[]> {
	const unique = [...new Map(people.map((p) => [p.id, p])).values()];
	if (!unique.length) return [];
	const added = await db
		.insert(notifications)
		.values(unique.map((p) => ({ userId: p.id, key: `${notice.key}:${p.id}`, title: notice.title, body: notice.body, link: notice.link })))
		.onConflictDoNothing({ target: notifications.key })
		.returning({ userId: notifications.userId });
	const told = unique.filter((p) => added.some((a) => a.userId === p.id));
	const addresses = told.map((p) => p.email).filter((e) => e.includes('@'));
	if (mail && addresses.length) {
		const url = mail.TEND_PUBLIC_URL ? new URL(notice.link, mail.TEND_PUBLIC_URL).href : notice.link;
		const transport = nodemailer.createTransport(mail.SMTP_URL);
		try {
			await transport.sendMail({ from: mail.MAIL_FROM, to: addresses, subject: notice.title, text: `${notice.body}\n\n${url}\n`.trimStart(), messageId: `<${notice.key.replace(/[^\w.-]/g, '.')}@tend>` });
		} catch (error) {
			// Undone so that a retry tells them again, mail and all.
			await db.delete(notifications).where(inArray(notifications.key, told.map((p) => `${notice.key}:${p.id}`)));
			throw error;
		} finally {
			transport.close();
		}
	}
	return told;
}
