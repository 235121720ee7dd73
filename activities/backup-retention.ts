/**
 * Which backups retention keeps: the grandfather-father-son rule of restic's and borg's
 * `--keep-daily/weekly/monthly`. For `daily: N`, the N most recent UTC days that have a backup each
 * keep their newest one; ISO weeks and calendar months alike. Periods without a backup do not count,
 * so backups that stopped for a while are not all pruned at once. On top of that the newest backup
 * and the newest verified one are always kept, whatever the counts say.
 *
 * Pure and idempotent: applied again to what it kept, it keeps all of it (each period's newest
 * survivor is the same backup, and the same periods are the most recent ones).
 */
export interface RetentionCounts {
	daily: number;
	weekly: number;
	monthly: number;
}

export interface RetentionCandidate {
	id: string;
	startedAt: Date;
	verifiedAt: Date | null;
}

export interface RetentionPlan<T> {
	keep: T[];
	prune: T[];
}

const pad = (n: number) => String(n).padStart(2, '0');

export const dayOf = (at: Date) => `${at.getUTCFullYear()}-${pad(at.getUTCMonth() + 1)}-${pad(at.getUTCDate())}`;
export const monthOf = (at: Date) => `${at.getUTCFullYear()}-${pad(at.getUTCMonth() + 1)}`;

/** ISO 8601 week (weeks start on Monday; week 1 holds the year's first Thursday), as `2026-W05`. */
export function isoWeekOf(at: Date): string {
	const day = new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate()));
	const weekday = day.getUTCDay() || 7;
	// The Thursday of this week decides which year the week belongs to.
	day.setUTCDate(day.getUTCDate() + 4 - weekday);
	const yearStart = Date.UTC(day.getUTCFullYear(), 0, 1);
	const week = Math.ceil(((day.getTime() - yearStart) / 86_400_000 + 1) / 7);
	return `${day.getUTCFullYear()}-W${pad(week)}`;
}

/** Newest first; equal times fall back to the id so the plan never depends on input order. */
const newestFirst = (a: RetentionCandidate, b: RetentionCandidate) => b.startedAt.getTime() - a.startedAt.getTime() || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);

function newestOfRecentPeriods<T extends RetentionCandidate>(sorted: readonly T[], periodOf: (at: Date) => string, count: number): T[] {
	const picked: T[] = [];
	const seen = new Set<string>();
	for (const backup of sorted) {
		if (picked.length >= count) break;
		const period = periodOf(backup.startedAt);
		if (seen.has(period)) continue;
		seen.add(period);
		picked.push(backup);
	}
	return picked;
}

export function planRetention<T extends RetentionCandidate>(backups: readonly T[], counts: RetentionCounts): RetentionPlan<T> {
	const sorted = [...backups].sort(newestFirst);
	const kept = new Set<T>([
		...sorted.slice(0, 1),
		...sorted.filter((b) => b.verifiedAt).slice(0, 1),
		...newestOfRecentPeriods(sorted, dayOf, counts.daily),
		...newestOfRecentPeriods(sorted, isoWeekOf, counts.weekly),
		...newestOfRecentPeriods(sorted, monthOf, counts.monthly)
	]);
	return { keep: sorted.filter((b) => kept.has(b)), prune: sorted.filter((b) => !kept.has(b)) };
}
