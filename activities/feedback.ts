import { eq, or } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { feedbackEvents, feedbackItems, feedbackWatchers } from '../db/schema/index.ts';
import type { Config } from '../shared/config.ts';
import { FEEDBACK_TRIAGER_ROLES, type FeedbackPriority, type FeedbackStatus } from '../shared/feedback-model.ts';
import { peopleById, peopleWithRoles, tellPeople } from '../shared/people-notices.ts';
import type { FeedbackState } from '../workflows/feedback-definitions.ts';

/**
 * What a feedback item's workflow does to the world: read its row, remind the triagers, tell the
 * admins when triage is overdue, tell the people who asked when it closes. Each notice reads the
 * row first (the row, not the workflow, says where the item stands) and is keyed by item and
 * occasion, so a retry or a replayed worker adds and sends nothing twice.
 */

export interface FeedbackDeps {
	db: Db;
	config: Pick<Config, 'SMTP_URL' | 'MAIL_FROM' | 'TEND_PUBLIC_URL'>;
}

/** An item that is gone (its rows were removed) has nothing left to wait for. */
const GONE: FeedbackState = { status: 'declined', priority: 'normal' };

export function createFeedbackActivities({ db, config }: FeedbackDeps) {
	async function read(itemId: string) {
		const [item] = await db.select().from(feedbackItems).where(eq(feedbackItems.id, itemId));
		return item;
	}
	const stateOf = (item: { status: FeedbackStatus; priority: FeedbackPriority } | undefined): FeedbackState => (item ? { status: item.status, priority: item.priority } : GONE);

	return {
		async 'feedback.state'({ itemId }: { itemId: string }): Promise<FeedbackState> {
			return stateOf(await read(itemId));
		},

		/** Half the triage SLA gone: the triagers; all of it: the admins. Nothing if it was triaged meanwhile. */
		async 'feedback.triageNotice'({ itemId, kind }: { itemId: string; kind: 'reminder' | 'escalation' }): Promise<FeedbackState> {
			const item = await read(itemId);
			if (!item || item.status !== 'new') return stateOf(item);
			const people = await peopleWithRoles(db, kind === 'reminder' ? FEEDBACK_TRIAGER_ROLES : ['admin']);
			const title = kind === 'reminder' ? `Feedback waiting for triage (${item.priority}): ${item.title}` : `Feedback past its triage deadline (${item.priority}): ${item.title}`;
			const body = `${item.type} about ${item.target}, submitted by ${item.submitter}.`;
			const told = await tellPeople(db, config, people, { key: `feedback-${kind}:${itemId}`, title, body, link: `/feedback/${itemId}` });
			await db
				.insert(feedbackEvents)
				.values({ itemId, kind, actor: 'system', details: { to: people.map((p) => p.username).sort(), newlyTold: told.length }, key: `${itemId}:${kind}` })
				.onConflictDoNothing({ target: feedbackEvents.key });
			return stateOf(item);
		},

		/** The item closed: its submitter, its watchers and the submitters of the items merged into it are told how, once each. */
		async 'feedback.closedNotice'({ itemId }: { itemId: string }): Promise<{ told: number }> {
			const item = await read(itemId);
			if (!item) return { told: 0 };
			const merged = await db.select({ submitterId: feedbackItems.submitterId }).from(feedbackItems).where(or(eq(feedbackItems.id, itemId), eq(feedbackItems.duplicateOf, itemId)));
			const watchers = await db.select({ userId: feedbackWatchers.userId }).from(feedbackWatchers).where(eq(feedbackWatchers.itemId, itemId));
			const people = await peopleById(db, [...merged.map((m) => m.submitterId), ...watchers.map((w) => w.userId)].filter((id): id is string => !!id));
			const how = item.duplicateOf
				? `It repeats another item (/feedback/${item.duplicateOf}), into which it was merged by ${item.closedBy ?? 'a triager'}; you will be told when that one closes.`
				: item.closedByRun ? `It was closed by run ${item.closedByRun}, which succeeded and passed its verification.` : `It was closed as ${item.status} by ${item.closedBy ?? 'a triager'}.`;
			const told = await tellPeople(db, config, people, { key: `feedback-closed:${itemId}`, title: `Your feedback is ${item.status}: ${item.title}`, body: how, link: `/feedback/${itemId}` });
			return { told: told.length };
		}
	};
}

export type FeedbackActivities = ReturnType<typeof createFeedbackActivities>;
