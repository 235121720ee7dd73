import { WorkflowNotFoundError } from '@temporalio/client';
import { and, asc, count, desc, eq, ilike, or, sql, type SQL } from 'drizzle-orm';
import { feedbackEvents, feedbackItems, feedbackLinks, feedbackVotes, feedbackWatchers, runs, targets, users, type FeedbackItem } from '../../../../db/schema/index.ts';
import { config } from '../../../../shared/config.ts';
import { settleRunLinks } from '../../../../shared/feedback-links.ts';
import { FEEDBACK_TRIAGER_ROLES, isFeedbackClosed, mayMoveFeedback, mentionedUsernames, type FeedbackPriority, type FeedbackStatus, type FeedbackType } from '../../../../shared/feedback-model.ts';
import { peopleByUsername, tellPeople } from '../../../../shared/people-notices.ts';
import { feedbackChangedSignal, feedbackWorkflowId, type FeedbackItemInput } from '../../../../workflows/feedback-definitions.ts';
import type { feedbackItem } from '../../../../workflows/feedback-item.ts';
import { hasRole } from '../roles.ts';
import type { FieldError } from './api.ts';
import type { SessionUser } from './auth.ts';
import { getDb as db } from './db.ts';
import { temporalClient } from './temporal.ts';

/**
 * Feedback items (DESIGN §5) as the web app keeps them. A person's change is decided here: the
 * caller is the session's user, the change is written with who and when in one transaction, and
 * only then is the item's workflow told (a signal that carries no authority: the workflow's
 * notices read the row again). Members see and comment on their own items only.
 */

export class FeedbackInputError extends Error {
	override name = 'FeedbackInputError';
	constructor(readonly errors: FieldError[]) {
		super(errors.map((e) => `${e.path}: ${e.message}`).join('; '));
	}
}

export type Caller = Pick<SessionUser, 'id' | 'username' | 'roles'>;

/** Anyone with a role beyond `member` reads every item; a member only their own. */
export const seesAllFeedback = (caller: Caller) => caller.roles.some((role) => role !== 'member');
export const mayTriage = (caller: Caller) => hasRole(caller, ...FEEDBACK_TRIAGER_ROLES);

export interface FeedbackSummary {
	id: string;
	status: FeedbackStatus;
	type: FeedbackType;
	priority: FeedbackPriority;
	target: string;
	title: string;
	submitter: string;
	assignee: string | null;
	duplicateOf: string | null;
	createdAt: string;
	updatedAt: string;
	closedAt: string | null;
}

export interface FeedbackEventView {
	kind: string;
	actor: string;
	at: string;
	details: Record<string, unknown>;
}

export interface FeedbackLinkView {
	runId: string;
	/** The run's status now. */
	status: string;
	runbook: string;
	/** Set once the run has ended and the link took its outcome. */
	outcome: string | null;
	linkedBy: string;
	linkedAt: string;
}

export interface FeedbackView extends FeedbackSummary {
	body: string;
	votes: number;
	/** Whether the caller voted for it, watches it. */
	voted: boolean;
	watching: boolean;
	/** Items merged into this one. */
	duplicates: string[];
	closedBy: string | null;
	closedByRun: string | null;
	links: FeedbackLinkView[];
	events: FeedbackEventView[];
}

const assignee = sql<string | null>`(select u.username from users u where u.id = ${feedbackItems.assigneeId})`;

function summary(item: FeedbackItem & { assignee: string | null }): FeedbackSummary {
	return {
		id: item.id,
		status: item.status,
		type: item.type,
		priority: item.priority,
		target: item.target,
		title: item.title,
		submitter: item.submitter,
		assignee: item.assignee,
		duplicateOf: item.duplicateOf,
		createdAt: item.createdAt.toISOString(),
		updatedAt: item.updatedAt.toISOString(),
		closedAt: item.closedAt?.toISOString() ?? null
	};
}

function visibleTo(caller: Caller): SQL | undefined {
	return seesAllFeedback(caller) ? undefined : eq(feedbackItems.submitterId, caller.id);
}

export interface NewFeedback {
	target: string;
	type: FeedbackType;
	title: string;
	body?: string;
	priority?: FeedbackPriority;
}

/** Writes the item and its first timeline entry, then starts its workflow; a start that fails takes the item back out. */
export async function submitFeedback(caller: Caller, input: NewFeedback): Promise<FeedbackSummary> {
	const [target] = await db().select({ name: targets.name }).from(targets).where(eq(targets.name, input.target));
	if (!target) throw new FeedbackInputError([{ path: 'target', message: `no target "${input.target}"` }]);
	const priority = input.priority ?? 'normal';
	const item = await db().transaction(async (tx) => {
		const [row] = await tx
			.insert(feedbackItems)
			.values({ target: input.target, type: input.type, title: input.title, body: input.body ?? '', priority, submitterId: caller.id, submitter: caller.username })
			.returning();
		await tx.insert(feedbackEvents).values({ itemId: row.id, kind: 'submitted', actorId: caller.id, actor: caller.username, details: { type: input.type, priority }, key: `${row.id}:submitted` });
		return row;
	});
	try {
		const args: [FeedbackItemInput] = [{ itemId: item.id, status: 'new', priority }];
		await (await temporalClient()).workflow.start<typeof feedbackItem>('feedbackItem', { taskQueue: config().TEND_TASK_QUEUE, workflowId: feedbackWorkflowId(item.id), args });
	} catch (error) {
		await db().delete(feedbackItems).where(eq(feedbackItems.id, item.id));
		throw error;
	}
	return summary({ ...item, assignee: null });
}

export interface FeedbackFilters {
	status?: FeedbackStatus;
	type?: FeedbackType;
	target?: string;
	q?: string;
	limit?: number;
}

export async function listFeedback(caller: Caller, filters: FeedbackFilters = {}): Promise<{ items: FeedbackSummary[]; total: number }> {
	const where = and(
		visibleTo(caller),
		filters.status ? eq(feedbackItems.status, filters.status) : undefined,
		filters.type ? eq(feedbackItems.type, filters.type) : undefined,
		filters.target ? eq(feedbackItems.target, filters.target) : undefined,
		filters.q ? or(ilike(feedbackItems.title, `%${escapeLike(filters.q)}%`), ilike(feedbackItems.body, `%${escapeLike(filters.q)}%`)) : undefined
	);
	const [rows, [{ total }]] = await Promise.all([
		db()
			.select({ item: feedbackItems, assignee })
			.from(feedbackItems)
			.where(where)
			.orderBy(desc(feedbackItems.createdAt), desc(feedbackItems.id))
			.limit(filters.limit ?? 100),
		db().select({ total: count() }).from(feedbackItems).where(where)
	]);
	return { items: rows.map((r) => summary({ ...r.item, assignee: r.assignee })), total };
}

const escapeLike = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);

async function visibleItem(caller: Caller, id: string) {
	const [row] = await db()
		.select({ item: feedbackItems, assignee })
		.from(feedbackItems)
		.where(and(eq(feedbackItems.id, id), visibleTo(caller)));
	return row ? { ...row.item, assignee: row.assignee } : undefined;
}

export async function getFeedback(caller: Caller, id: string): Promise<FeedbackView | null> {
	const item = await visibleItem(caller, id);
	if (!item) return null;
	const [links, events, [{ votes }], mine, watch, duplicates] = await Promise.all([
		db()
			.select({ runId: feedbackLinks.runId, status: runs.status, runbook: runs.runbookName, outcome: feedbackLinks.outcome, linkedBy: feedbackLinks.linkedBy, linkedAt: feedbackLinks.createdAt })
			.from(feedbackLinks)
			.innerJoin(runs, eq(runs.id, feedbackLinks.runId))
			.where(eq(feedbackLinks.itemId, id))
			.orderBy(asc(feedbackLinks.createdAt)),
		db().select().from(feedbackEvents).where(eq(feedbackEvents.itemId, id)).orderBy(asc(feedbackEvents.seq)),
		db().select({ votes: count() }).from(feedbackVotes).where(eq(feedbackVotes.itemId, id)),
		db().select({ userId: feedbackVotes.userId }).from(feedbackVotes).where(and(eq(feedbackVotes.itemId, id), eq(feedbackVotes.userId, caller.id))),
		db().select({ userId: feedbackWatchers.userId }).from(feedbackWatchers).where(and(eq(feedbackWatchers.itemId, id), eq(feedbackWatchers.userId, caller.id))),
		db().select({ id: feedbackItems.id }).from(feedbackItems).where(eq(feedbackItems.duplicateOf, id)).orderBy(asc(feedbackItems.createdAt))
	]);
	return {
		...summary(item),
		body: item.body,
		votes,
		voted: mine.length > 0,
		watching: watch.length > 0,
		duplicates: duplicates.map((d) => d.id),
		closedBy: item.closedBy,
		closedByRun: item.closedByRun,
		links: links.map((l) => ({ ...l, linkedAt: l.linkedAt.toISOString() })),
		events: events.map((e) => ({ kind: e.kind, actor: e.actor, at: e.at.toISOString(), details: e.details }))
	};
}

/** Tells the item's workflow where its row stands now. An ended workflow belongs to a closed item: nothing to tell. */
async function signalItem(itemId: string, status: FeedbackStatus, priority: FeedbackPriority): Promise<void> {
	await (await temporalClient()).workflow
		.getHandle(feedbackWorkflowId(itemId))
		.signal(feedbackChangedSignal, { status, priority })
		.catch((error: unknown) => {
			if (!(error instanceof WorkflowNotFoundError)) throw error;
		});
}

export interface FeedbackChange {
	status?: FeedbackStatus;
	priority?: FeedbackPriority;
	/** A username, or null to unassign. */
	assignee?: string | null;
}

export class FeedbackConflictError extends Error {
	override name = 'FeedbackConflictError';
}

/** A triager's change: each field that changes is one timeline entry with who and when. */
export async function changeFeedback(caller: Caller, id: string, change: FeedbackChange): Promise<FeedbackView | null> {
	let assigneeId: string | null | undefined;
	if (change.assignee !== undefined && change.assignee !== null) {
		const [person] = await db().select({ id: users.id }).from(users).where(eq(users.username, change.assignee));
		if (!person) throw new FeedbackInputError([{ path: 'assignee', message: `no user "${change.assignee}"` }]);
		assigneeId = person.id;
	} else if (change.assignee === null) assigneeId = null;

	const updated = await db().transaction(async (tx) => {
		const [item] = await tx.select().from(feedbackItems).where(eq(feedbackItems.id, id)).for('update');
		if (!item) return null;
		const entries: Array<{ kind: string; details: Record<string, unknown> }> = [];
		const set: Partial<typeof feedbackItems.$inferInsert> = {};
		if (change.status !== undefined && change.status !== item.status) {
			if (change.status === 'duplicate') throw new FeedbackInputError([{ path: 'status', message: 'an item becomes a duplicate by merging it into another (POST …/merge)' }]);
			if (!mayMoveFeedback(item.status, change.status)) {
				throw isFeedbackClosed(item.status) ? new FeedbackConflictError(`the item is ${item.status}; a closed item does not change`) : new FeedbackInputError([{ path: 'status', message: `cannot go from ${item.status} to ${change.status}` }]);
			}
			Object.assign(set, { status: change.status }, isFeedbackClosed(change.status) ? { closedAt: new Date(), closedBy: caller.username } : {});
			entries.push({ kind: 'status', details: { from: item.status, to: change.status } });
		}
		if (change.priority !== undefined && change.priority !== item.priority) {
			set.priority = change.priority;
			entries.push({ kind: 'priority', details: { from: item.priority, to: change.priority } });
		}
		if (assigneeId !== undefined && assigneeId !== item.assigneeId) {
			set.assigneeId = assigneeId;
			entries.push({ kind: 'assignee', details: { to: change.assignee ?? null } });
		}
		if (!entries.length) return { item, changed: false };
		if (isFeedbackClosed(item.status)) throw new FeedbackConflictError(`the item is ${item.status}; a closed item does not change`);
		const [next] = await tx.update(feedbackItems).set(set).where(eq(feedbackItems.id, id)).returning();
		await tx.insert(feedbackEvents).values(entries.map((e) => ({ itemId: id, kind: e.kind, actorId: caller.id, actor: caller.username, details: e.details })));
		return { item: next, changed: true };
	});
	if (!updated) return null;
	if (updated.changed) await signalItem(id, updated.item.status, updated.item.priority);
	return getFeedback(caller, id);
}

/** A comment by anyone who sees the item; each `@name` that names a person is told (in-app and by mail). */
export async function commentOnFeedback(caller: Caller, id: string, body: string): Promise<FeedbackEventView | null> {
	const item = await visibleItem(caller, id);
	if (!item) return null;
	const mentioned = (await peopleByUsername(db(), mentionedUsernames(body))).filter((p) => p.id !== caller.id);
	const [event] = await db()
		.insert(feedbackEvents)
		.values({ itemId: id, kind: 'comment', actorId: caller.id, actor: caller.username, details: { body, mentions: mentioned.map((p) => p.username).sort() } })
		.returning();
	// The comment stands whether or not the mail server answers; the notifications are its record.
	await tellPeople(db(), config(), mentioned, { key: `feedback-mention:${event.id}`, title: `${caller.username} mentioned you on feedback: ${item.title}`, body, link: `/feedback/${id}` }).catch(() => {});
	return { kind: event.kind, actor: event.actor, at: event.at.toISOString(), details: event.details };
}

/**
 * Links a run meant to fix the item. The run's row is read FOR SHARE in the link's transaction, so
 * a run ending at the same moment either waits for the link (and its ledger settles it) or has
 * ended first (and the settle below, after the commit, finds it finished).
 */
export async function linkRun(caller: Caller, id: string, runId: string): Promise<FeedbackView | null> {
	const item = await visibleItem(caller, id);
	if (!item) return null;
	await db().transaction(async (tx) => {
		const [run] = await tx.select({ id: runs.id }).from(runs).where(eq(runs.id, runId)).for('share');
		if (!run) throw new FeedbackInputError([{ path: 'runId', message: `no run ${runId}` }]);
		const added = await tx.insert(feedbackLinks).values({ itemId: id, runId, linkedBy: caller.username }).onConflictDoNothing().returning();
		if (added.length) await tx.insert(feedbackEvents).values({ itemId: id, kind: 'linked', actorId: caller.id, actor: caller.username, details: { runId } });
	});
	for (const settled of await settleRunLinks(db(), runId)) await signalItem(settled.itemId, settled.status, settled.priority);
	return getFeedback(caller, id);
}

/** The targets one may give feedback about: their names and titles (no document). */
export async function listTargetNames(): Promise<Array<{ name: string; title: string }>> {
	return db().select({ name: targets.name, title: targets.title }).from(targets).orderBy(asc(targets.name));
}

/** A vote (or its withdrawal) by anyone who sees the item; one per person. */
export async function voteFor(caller: Caller, id: string, vote: boolean): Promise<FeedbackView | null> {
	if (!(await visibleItem(caller, id))) return null;
	if (vote) await db().insert(feedbackVotes).values({ itemId: id, userId: caller.id }).onConflictDoNothing();
	else await db().delete(feedbackVotes).where(and(eq(feedbackVotes.itemId, id), eq(feedbackVotes.userId, caller.id)));
	return getFeedback(caller, id);
}

/** Watching: told when the item closes, as its submitter is. */
export async function watch(caller: Caller, id: string, watching: boolean): Promise<FeedbackView | null> {
	if (!(await visibleItem(caller, id))) return null;
	if (watching) await db().insert(feedbackWatchers).values({ itemId: id, userId: caller.id }).onConflictDoNothing();
	else await db().delete(feedbackWatchers).where(and(eq(feedbackWatchers.itemId, id), eq(feedbackWatchers.userId, caller.id)));
	return getFeedback(caller, id);
}

/**
 * Merges a duplicate into the item it repeats: its votes and watchers move over, its submitter
 * becomes a watcher (so is told when the item closes), and it closes as `duplicate` pointing at
 * the item. Both rows are locked in id order, so two merges crossing each other cannot deadlock.
 */
export async function mergeFeedback(caller: Caller, id: string, into: string): Promise<FeedbackView | null> {
	if (id === into) throw new FeedbackInputError([{ path: 'into', message: 'an item cannot be merged into itself' }]);
	const merged = await db().transaction(async (tx) => {
		const rows = await tx.select().from(feedbackItems).where(or(eq(feedbackItems.id, id), eq(feedbackItems.id, into))).orderBy(asc(feedbackItems.id)).for('update');
		const duplicate = rows.find((r) => r.id === id);
		const target = rows.find((r) => r.id === into);
		if (!duplicate) return null;
		if (!target) throw new FeedbackInputError([{ path: 'into', message: `no feedback item ${into}` }]);
		if (isFeedbackClosed(duplicate.status)) throw new FeedbackConflictError(`the item is ${duplicate.status}; a closed item does not change`);
		if (isFeedbackClosed(target.status)) throw new FeedbackInputError([{ path: 'into', message: `that item is ${target.status}; merge into an open one` }]);
		await tx.execute(sql`insert into feedback_votes (item_id, user_id) select ${into}, user_id from feedback_votes where item_id = ${id} on conflict do nothing`);
		await tx.execute(sql`insert into feedback_watchers (item_id, user_id) select ${into}, user_id from feedback_watchers where item_id = ${id} on conflict do nothing`);
		if (duplicate.submitterId) await tx.insert(feedbackWatchers).values({ itemId: into, userId: duplicate.submitterId }).onConflictDoNothing();
		const [closed] = await tx.update(feedbackItems).set({ status: 'duplicate', duplicateOf: into, closedAt: new Date(), closedBy: caller.username }).where(eq(feedbackItems.id, id)).returning();
		// Items merged earlier into the duplicate now point at the item, so their submitters are told too.
		await tx.update(feedbackItems).set({ duplicateOf: into }).where(eq(feedbackItems.duplicateOf, id));
		await tx.insert(feedbackEvents).values([
			{ itemId: id, kind: 'status', actorId: caller.id, actor: caller.username, details: { from: duplicate.status, to: 'duplicate', into } },
			{ itemId: into, kind: 'merged_in', actorId: caller.id, actor: caller.username, details: { from: id, title: duplicate.title, submitter: duplicate.submitter } }
		]);
		return closed;
	});
	if (!merged) return null;
	await signalItem(id, merged.status, merged.priority);
	return getFeedback(caller, into);
}
