import { randomBytes } from 'node:crypto';
import { eq } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { sessions, users } from '../db/schema/index.ts';
import { appendAudit } from './audit.ts';
import { hashPassword } from './passwords.ts';

/**
 * Passwords someone else chooses for a person: the first admin's, an admin's reset, and
 * `tend admin reset-password`. Each is one-time: the person must choose their own at the next
 * sign-in, and a reset ends every session the account had.
 */
export class UnknownUserError extends Error {
	override name = 'UnknownUserError';
	constructor(readonly username: string) {
		super(`there is no user named "${username}"`);
	}
}

/** 120 random bits as 20 URL-safe characters: easy to copy, hopeless to guess. */
export function generateOneTimePassword(): string {
	return randomBytes(15).toString('base64url');
}

export async function resetPassword(db: Db, username: string, actor: string): Promise<{ username: string; password: string }> {
	const password = generateOneTimePassword();
	const passwordHash = await hashPassword(password);
	await db.transaction(async (tx) => {
		const [user] = await tx
			.update(users)
			.set({ passwordHash, mustChangePassword: true, passwordChangedAt: new Date() })
			.where(eq(users.username, username.trim().toLowerCase()))
			.returning({ id: users.id, username: users.username });
		if (!user) throw new UnknownUserError(username);
		const ended = await tx.delete(sessions).where(eq(sessions.userId, user.id)).returning({ id: sessions.id });
		await appendAudit(tx, { actor, action: 'user.password_reset', subject: `user:${user.username}`, details: { sessionsEnded: ended.length } });
	});
	return { username: username.trim().toLowerCase(), password };
}
