import { and, eq, inArray, isNull, sql } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { notifications, runs, userRoles, users, type Role } from '../db/schema/index.ts';
import { approvalLinkPath } from '../shared/approval-links.ts';

/**
 * Telling the people who may decide a waiting approval, with a signed link to it: in-app, keyed
 * so that a retried write adds nothing and a new round (an approval asked again, an escalation)
 * tells them again.
 */

/** The accounts a list of `role:` and `user:` principals names (admin is no pass here, as in the decision itself). */
export async function principalsToPeople(db: Db, principals: readonly string[]): Promise<Array<{ id: string; username: string }>> {
	const roleNames = principals.filter((p) => p.startsWith('role:')).map((p) => p.slice(5) as Role);
	const usernames = principals.filter((p) => p.startsWith('user:')).map((p) => p.slice(5));
	const columns = { id: users.id, username: users.username };
	const [byRole, byName] = await Promise.all([
		roleNames.length ? db.selectDistinct(columns).from(users).innerJoin(userRoles, eq(userRoles.userId, users.id)).where(inArray(sql`${userRoles.role}::text`, roleNames)) : [],
		usernames.length ? db.select(columns).from(users).where(inArray(users.username, usernames)) : []
	]);
	return [...new Map([...byRole, ...byName].map((p) => [p.id, p])).values()];
}

export interface ApprovalNotice {
	runId: string;
	stepId: string;
	/** Unique per wait (or escalation) of the approval, after run and step: one notice per person and key. */
	key: string;
	principals: readonly string[];
	fourEyes: boolean;
	message?: string;
}

const noticePrefix = (runId: string, stepId: string) => `approval:${runId}:${stepId}:`;

/** What was newly written for one approval round: the same words and signed link go out by email. */
export interface ApprovalMail {
	messageId: string;
	to: string[];
	subject: string;
	body: string;
	/** The signed path (`/approvals/open?…`); the mail makes it absolute with TEND_PUBLIC_URL. */
	link: string;
}

/**
 * Writes the in-app notices and answers the mail to send to the people told for the first time
 * (none when a retried write added nothing).
 */
export async function noticeApprovers(db: Db, linkKey: Buffer, notice: ApprovalNotice): Promise<ApprovalMail | null> {
	const [run] = await db.select({ initiatorId: runs.initiatorId, initiator: runs.initiator, runbook: runs.runbookName, version: runs.version }).from(runs).where(eq(runs.id, notice.runId));
	if (!run) return null;
	// Four eyes: whoever started the run may not decide, so is not asked to.
	const people = (await principalsToPeople(db, notice.principals)).filter((p) => !notice.fourEyes || (p.id !== run.initiatorId && p.username !== run.initiator));
	if (!people.length) return null;
	const title = `Approval needed: ${run.runbook} v${run.version}, step "${notice.stepId}"`;
	const link = approvalLinkPath(linkKey, notice.runId, notice.stepId);
	const written = await db
		.insert(notifications)
		.values(people.map((person) => ({ userId: person.id, key: `${noticePrefix(notice.runId, notice.stepId)}${notice.key}:${person.id}`, title, body: notice.message ?? '', link, runId: notice.runId })))
		.onConflictDoNothing({ target: notifications.key })
		.returning({ userId: notifications.userId });
	if (!written.length) return null;
	const addresses = await db.select({ email: users.email }).from(users).where(and(inArray(users.id, written.map((w) => w.userId)), isNull(users.disabledAt)));
	const to = [...new Set(addresses.map((a) => a.email.trim().toLowerCase()).filter(Boolean))].sort();
	if (!to.length) return null;
	return { messageId: `<approval.${notice.runId}.${notice.stepId}.${notice.key}@tend>`.replace(/[^\w.<>@-]/g, '-'), to, subject: title, body: notice.message ?? '', link };
}

/** The approval email: the request's message, and the signed link to decide it. */
export function approvalMailText(mail: ApprovalMail, publicUrl: string | undefined): string {
	const link = publicUrl ? new URL(mail.link, publicUrl).href : mail.link;
	const lead = mail.body.trim() ? `${mail.body.trim()}\n\n` : '';
	return `${lead}You are one of the people who may approve or reject this step. Open it to decide (you will be asked to sign in):\n${link}\n\nThe link works for 7 days; the approvals page in Tend always lists what waits for you.\n`;
}

/** Marks every notice of an approval round read once it is decided: nothing is left to do about it. */
export async function closeApprovalNotices(db: Db, runId: string, stepId: string): Promise<void> {
	await db
		.update(notifications)
		.set({ readAt: sql`coalesce(${notifications.readAt}, now())` })
		.where(and(eq(notifications.runId, runId), sql`starts_with(${notifications.key}, ${noticePrefix(runId, stepId)})`));
}
