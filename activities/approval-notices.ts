import { and, eq, inArray, sql } from 'drizzle-orm';
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

export async function noticeApprovers(db: Db, linkKey: Buffer, notice: ApprovalNotice): Promise<void> {
	const [run] = await db.select({ initiatorId: runs.initiatorId, initiator: runs.initiator, runbook: runs.runbookName, version: runs.version }).from(runs).where(eq(runs.id, notice.runId));
	if (!run) return;
	// Four eyes: whoever started the run may not decide, so is not asked to.
	const people = (await principalsToPeople(db, notice.principals)).filter((p) => !notice.fourEyes || (p.id !== run.initiatorId && p.username !== run.initiator));
	if (!people.length) return;
	const title = `Approval needed: ${run.runbook} v${run.version}, step "${notice.stepId}"`;
	const link = approvalLinkPath(linkKey, notice.runId, notice.stepId);
	await db
		.insert(notifications)
		.values(people.map((person) => ({ userId: person.id, key: `${noticePrefix(notice.runId, notice.stepId)}${notice.key}:${person.id}`, title, body: notice.message ?? '', link, runId: notice.runId })))
		.onConflictDoNothing({ target: notifications.key });
}

/** Marks every notice of an approval round read once it is decided: nothing is left to do about it. */
export async function closeApprovalNotices(db: Db, runId: string, stepId: string): Promise<void> {
	await db
		.update(notifications)
		.set({ readAt: sql`coalesce(${notifications.readAt}, now())` })
		.where(and(eq(notifications.runId, runId), sql`starts_with(${notifications.key}, ${noticePrefix(runId, stepId)})`));
}
