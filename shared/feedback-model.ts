/**
 * What a feedback item is made of, in one pure module (no Temporal, no database) so the workflow,
 * the API, the pages and the tests read the same facts: its types, statuses and priorities, which
 * status may follow which, how long triage may take at each priority, and who is mentioned in a comment.
 */

export const FEEDBACK_TYPES = ['bug', 'request', 'question'] as const;
export const FEEDBACK_STATUSES = ['new', 'triaged', 'planned', 'in_progress', 'done', 'declined', 'duplicate'] as const;
export const FEEDBACK_PRIORITIES = ['low', 'normal', 'high', 'urgent'] as const;
export type FeedbackType = (typeof FEEDBACK_TYPES)[number];
export type FeedbackStatus = (typeof FEEDBACK_STATUSES)[number];
export type FeedbackPriority = (typeof FEEDBACK_PRIORITIES)[number];

/** Where an item ends: nothing moves it on from these. */
export const CLOSED_FEEDBACK_STATUSES = ['done', 'declined', 'duplicate'] as const satisfies readonly FeedbackStatus[];
export const isFeedbackClosed = (status: string): boolean => (CLOSED_FEEDBACK_STATUSES as readonly string[]).includes(status);

/**
 * The statuses a triager may set from each status. `duplicate` is reached only by a merge (which
 * carries votes and watchers over), `done` also by a linked run that succeeds; closed is final.
 */
const NEXT: Record<FeedbackStatus, readonly FeedbackStatus[]> = {
	new: ['triaged', 'planned', 'in_progress', 'done', 'declined'],
	triaged: ['planned', 'in_progress', 'done', 'declined'],
	planned: ['triaged', 'in_progress', 'done', 'declined'],
	in_progress: ['triaged', 'planned', 'done', 'declined'],
	done: [],
	declined: [],
	duplicate: []
};
export const nextFeedbackStatuses = (from: FeedbackStatus): readonly FeedbackStatus[] => NEXT[from];
export const mayMoveFeedback = (from: FeedbackStatus, to: FeedbackStatus): boolean => NEXT[from].includes(to);

/**
 * How long an item may stay `new` at each priority, in milliseconds: the triagers are reminded at
 * half of it, and the admins told (escalation) when it has run out.
 */
const HOUR = 3_600_000;
export const TRIAGE_SLA_MS: Record<FeedbackPriority, number> = { urgent: 4 * HOUR, high: 24 * HOUR, normal: 72 * HOUR, low: 168 * HOUR };

/** `@name` in a comment, where a name is a username (letters, digits, `.`, `_`, `-`), not inside an address (`a@b.c`). */
export function mentionedUsernames(body: string): string[] {
	const names = [...body.matchAll(/(?:^|[^\w.@-])@([A-Za-z0-9][\w.-]{0,62})/g)].map((m) => m[1].replace(/[.-]+$/, ''));
	return [...new Set(names)];
}

/** Who triages (sets status, priority, assignee, links runs); admin always may. Admins are told when triage is overdue. */
export const FEEDBACK_TRIAGER_ROLES = ['author', 'operator'] as const;
