import { eq } from 'drizzle-orm';
import { runEvents } from '../db/schema/index.ts';
import { nonRetryable } from './failures.ts';
import type { ActivityDeps, StepContext } from './step-context.ts';

export const AGE = /^(\d+(?:\.\d+)?)(m|h|d)$|^(\d+)(w|mo|y)$/;
const MS = { m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/**
 * The instant `olderThan` (90d, 1.5h, 12w, 6mo, 2y) before `now`. Months and years are calendar
 * steps in UTC, so "2y" on 29 February lands on 28 February and "1mo" on 31 March on the last day
 * of February: a retention policy reads as people count, not as 730 days.
 */
export function cutoffBefore(olderThan: string, now: Date): Date {
	const match = AGE.exec(olderThan);
	if (!match) throw nonRetryable('InvalidStepParams', `olderThan "${olderThan}" must be an age such as 90d, 12w, 6mo or 2y`);
	if (match[1]) return new Date(now.getTime() - Number(match[1]) * MS[match[2] as keyof typeof MS]);
	const n = Number(match[3]);
	if (match[4] === 'w') return new Date(now.getTime() - n * 7 * MS.d);
	return minusMonths(now, match[4] === 'y' ? n * 12 : n);
}

function minusMonths(now: Date, months: number): Date {
	const total = now.getUTCFullYear() * 12 + now.getUTCMonth() - months;
	const year = Math.floor(total / 12);
	const month = total - year * 12;
	const lastDay = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
	const result = new Date(now);
	result.setUTCFullYear(year, month, Math.min(now.getUTCDate(), lastDay));
	return result;
}

/**
 * The cutoff a step works to: `olderThan` before `now`, or `before` when that is earlier (a purge
 * after an archive step deletes exactly what the archive took). `before` never moves the cutoff
 * later: rows younger than `olderThan` are out of reach whatever an expression produced.
 */
export function effectiveCutoff(olderThan: string, now: Date, before?: string): Date {
	const byAge = cutoffBefore(olderThan, now);
	if (before === undefined) return byAge;
	const given = new Date(before);
	if (Number.isNaN(given.getTime())) throw nonRetryable('InvalidStepParams', `before "${before}" is not a time with its offset, such as 2024-11-01T00:00:00Z`);
	return given < byAge ? given : byAge;
}

const CUTOFF_MESSAGE = /^cutoff (\S+):/;

/**
 * Fixes the cutoff at the step's first attempt and reads it back on every later one. A retry
 * that computed it again from its own clock would reach rows that were younger than the cutoff
 * when the step began — rows the run's approver never agreed to delete, and, after an archive
 * step, rows that were never archived. The record is a run event, so the run page shows it.
 */
export async function fixedCutoff(deps: ActivityDeps, ctx: StepContext, table: string, compute: () => Date): Promise<Date> {
	const key = `retention-cutoff:${ctx.runId}:${ctx.stepId}`;
	await deps.db
		.insert(runEvents)
		.values({ runId: ctx.runId, stepId: ctx.stepId.replace(/\[\d+\]$/, ''), key, status: 'cutoff', message: `cutoff ${compute().toISOString()}: rows of ${table} written before it are in scope` })
		.onConflictDoNothing();
	const [row] = await deps.db.select({ message: runEvents.message }).from(runEvents).where(eq(runEvents.key, key));
	const stored = CUTOFF_MESSAGE.exec(row?.message ?? '');
	if (!stored) throw new Error(`the cutoff record ${key} is unreadable: ${row?.message ?? 'missing'}`);
	return new Date(stored[1]);
}
