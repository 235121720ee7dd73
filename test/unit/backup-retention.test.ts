import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isoWeekOf, planRetention, type RetentionCandidate, type RetentionCounts } from '../../activities/backup-retention.ts';

const at = (iso: string) => new Date(iso);
const backup = (id: string, startedAt: string, verified = false): RetentionCandidate => ({ id, startedAt: at(startedAt), verifiedAt: verified ? at(startedAt) : null });
const ids = (list: readonly RetentionCandidate[]) => list.map((b) => b.id);

describe('ISO weeks', () => {
	it.each([
		['2026-01-01T12:00:00Z', '2026-W01'], // a Thursday: week 1 of its own year
		['2027-01-01T12:00:00Z', '2026-W53'], // a Friday: still in the last week of 2026
		['2024-12-30T00:00:00Z', '2025-W01'], // a Monday whose Thursday is in 2025
		['2026-11-22T23:59:59Z', '2026-W47'], // Sunday ends the week
		['2026-11-23T00:00:00Z', '2026-W48'] // Monday starts the next
	])('puts %s in %s', (instant, week) => {
		expect(isoWeekOf(at(instant))).toBe(week);
	});
});

describe('planRetention', () => {
	const twice = [
		backup('d1-late', '2026-11-23T22:00:00Z'),
		backup('d1-early', '2026-11-23T02:00:00Z'),
		backup('d2', '2026-11-22T02:00:00Z'),
		backup('d3', '2026-11-21T02:00:00Z'),
		backup('d4', '2026-11-20T02:00:00Z'),
		backup('last-week', '2026-11-13T02:00:00Z'),
		backup('october', '2026-10-05T02:00:00Z'),
		backup('september', '2026-09-30T02:00:00Z'),
		backup('august', '2026-08-30T02:00:00Z')
	];

	it('keeps the newest of each of the last N days, ISO weeks and months that have a backup', () => {
		const plan = planRetention(twice, { daily: 3, weekly: 2, monthly: 3 });
		// days: 23 (late), 22, 21; weeks: W48 (d1-late), W47 (d2); months: Nov (d1-late), Oct, Sep.
		expect(ids(plan.keep)).toEqual(['d1-late', 'd2', 'd3', 'october', 'september']);
		expect(ids(plan.prune)).toEqual(['d1-early', 'd4', 'last-week', 'august']);
	});

	it('counts only periods that have a backup, so a pause in backups does not prune them all', () => {
		const plan = planRetention([backup('now', '2026-11-23T02:00:00Z'), backup('month-ago', '2026-10-20T02:00:00Z'), backup('older', '2026-10-19T02:00:00Z')], { daily: 2, weekly: 0, monthly: 0 });
		expect(ids(plan.keep)).toEqual(['now', 'month-ago']);
	});

	it('keeps the newest verified backup however old, and the newest with every count at zero', () => {
		const list = [backup('newest', '2026-11-23T02:00:00Z'), backup('unverified', '2026-11-20T02:00:00Z'), backup('proven', '2026-01-01T02:00:00Z', true), backup('proven-older', '2025-01-01T02:00:00Z', true)];
		expect(ids(planRetention(list, { daily: 0, weekly: 0, monthly: 0 }).keep)).toEqual(['newest', 'proven']);
	});

	it('does not depend on the order it is given the backups in', () => {
		const counts = { daily: 2, weekly: 1, monthly: 2 };
		expect(ids(planRetention([...twice].reverse(), counts).keep)).toEqual(ids(planRetention(twice, counts).keep));
	});
});

const START = Date.UTC(2024, 0, 1);
const arbBackups = fc
	.uniqueArray(
		fc.record({ minutes: fc.integer({ min: 0, max: 3 * 365 * 24 * 60 }), verified: fc.boolean() }),
		{ minLength: 0, maxLength: 60, selector: (b) => b.minutes }
	)
	.map((list) => list.map((b, i): RetentionCandidate => ({ id: `bk-${i}`, startedAt: new Date(START + b.minutes * 60_000), verifiedAt: b.verified ? new Date(START + b.minutes * 60_000) : null })));
const arbCounts: fc.Arbitrary<RetentionCounts> = fc.record({ daily: fc.integer({ min: 0, max: 10 }), weekly: fc.integer({ min: 0, max: 6 }), monthly: fc.integer({ min: 0, max: 14 }) });
const newest = (list: readonly RetentionCandidate[]) => [...list].sort((a, b) => b.startedAt.getTime() - a.startedAt.getTime())[0];

describe('planRetention, for any catalogue', () => {
	it('never prunes the newest backup nor the newest verified one', () => {
		fc.assert(
			fc.property(arbBackups, arbCounts, (list, counts) => {
				const pruned = new Set(ids(planRetention(list, counts).prune));
				if (list.length) expect(pruned.has(newest(list).id)).toBe(false);
				const verified = list.filter((b) => b.verifiedAt);
				if (verified.length) expect(pruned.has(newest(verified).id)).toBe(false);
			})
		);
	});

	it('splits the catalogue: every backup is either kept or pruned, never both', () => {
		fc.assert(
			fc.property(arbBackups, arbCounts, (list, counts) => {
				const plan = planRetention(list, counts);
				expect([...ids(plan.keep), ...ids(plan.prune)].sort()).toEqual(ids(list).sort());
			})
		);
	});

	it('is idempotent: pruning what it kept prunes nothing more', () => {
		fc.assert(
			fc.property(arbBackups, arbCounts, (list, counts) => {
				const first = planRetention(list, counts);
				const second = planRetention(first.keep, counts);
				expect(second.prune).toEqual([]);
				expect(ids(second.keep)).toEqual(ids(first.keep));
			})
		);
	});

	it('keeps at most one backup per counted period, plus the two it always keeps', () => {
		fc.assert(
			fc.property(arbBackups, arbCounts, (list, counts) => {
				expect(planRetention(list, counts).keep.length).toBeLessThanOrEqual(Math.min(list.length, counts.daily + counts.weekly + counts.monthly + 2));
			})
		);
	});
});
