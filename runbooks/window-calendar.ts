import { parseDuration } from './duration.ts';
import { WEEKDAYS, type WindowDocument } from './window-schema.ts';
import { dayNumber, instantOf, wallTimeAt, weekdayOfDay } from './zoned-time.ts';

/**
 * When a Window is open (a maintenance window) or in force (a change freeze). Pure: the same
 * document and instant always give the same answer.
 *
 * - Everything is read on the zone's wall clock, as people agree on windows ("Saturday 22:00 to
 *   04:00"): a weekly slot starts at its time on each named day and ends when the clock reads
 *   start + duration, so "sat 22:00 for 6h" is 22:00-04:00 local in summer and in winter (five
 *   or seven real hours on the nights the clocks change), and daily slots of 1d tile every day.
 * - A time the clocks skip (02:30 on a spring-forward night) is taken as the moment they jump; a
 *   time they repeat (02:30 on a fall-back night) as the first time round.
 * - Openings are half-open [start, end); slots and ranges that overlap or touch merge into one.
 */

export interface Opening {
	start: Date;
	end: Date;
}

export type WindowState = { open: true; opening: Opening } | { open: false; next?: Opening };

interface Interval {
	start: number;
	end: number;
}

const DAY_MS = 86_400_000;
const WEEK_MS = 7 * DAY_MS;
/** A slot lasts at most 7 days and may start late in its day, so one that started 9 local days ago can still run. */
const LOOKBACK_DAYS = 9;
/**
 * How far ahead weekly slots are generated. A window whose slots tile the whole week never closes;
 * its one opening is reported as ending here rather than searched for forever.
 */
export const HORIZON_DAYS = 731;

const LOCAL_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2}))?)?$/;

function localInstant(zone: string, text: string): number {
	const m = LOCAL_TIME.exec(text);
	// The schema admits only these forms; anything else reaching here is a caller's bug.
	if (!m) throw new Error(`"${text}" is not a local date and time`);
	return instantOf(zone, { year: Number(m[1]), month: Number(m[2]), day: Number(m[3]), hour: Number(m[4] ?? 0), minute: Number(m[5] ?? 0), second: Number(m[6] ?? 0) });
}

function rangeIntervals(doc: WindowDocument): Interval[] {
	const zone = doc.spec.timezone;
	return (
		doc.spec.ranges
			.map((r) => ({ start: localInstant(zone, r.from), end: localInstant(zone, r.to) }))
			// Both ends inside one skipped hour leave nothing.
			.filter((r) => r.end > r.start)
			.sort((a, b) => a.start - b.start)
	);
}

interface WeeklySlot {
	days: Set<number>;
	/** Milliseconds after local midnight. */
	wallStart: number;
	length: number;
}

/**
 * Whether the slots cover every wall-clock moment of the week. Wall times that touch resolve to
 * instants that touch (skipped and repeated times resolve the same way for every slot), so such
 * a window is open at every instant.
 */
function coversWholeWeek(slots: readonly WeeklySlot[]): boolean {
	const pieces: Interval[] = [];
	for (const slot of slots) {
		for (const day of slot.days) {
			const start = day * DAY_MS + slot.wallStart;
			const end = start + slot.length;
			pieces.push({ start, end: Math.min(end, WEEK_MS) });
			if (end > WEEK_MS) pieces.push({ start: 0, end: end - WEEK_MS });
		}
	}
	let covered = 0;
	for (const piece of pieces.sort((a, b) => a.start - b.start)) {
		if (piece.start > covered) return false;
		covered = Math.max(covered, piece.end);
	}
	return covered >= WEEK_MS;
}

/** Weekly slot instances from local day `firstDay` on, in order of start, up to the horizon. */
function* weeklyIntervals(doc: WindowDocument, firstDay: number, lastDay: number): Generator<Interval> {
	const zone = doc.spec.timezone;
	const slots: WeeklySlot[] = doc.spec.weekly
		.map((slot) => {
			const [hour, minute] = slot.start.split(':').map(Number);
			return { days: new Set(slot.days.map((d) => WEEKDAYS.indexOf(d))), wallStart: (hour * 60 + minute) * 60_000, length: parseDuration(slot.duration) };
		})
		.sort((a, b) => a.wallStart - b.wallStart);
	if (!slots.length) return;
	// Walking two years of days to find no gap is slow; a week covered end to end is never closed.
	if (coversWholeWeek(slots)) {
		for (let day = firstDay; ; day++) {
			const first = slots.find((slot) => slot.days.has(weekdayOfDay(day)));
			if (first) {
				yield { start: instantOf(zone, day * DAY_MS + first.wallStart), end: instantOf(zone, (lastDay + 1) * DAY_MS) };
				return;
			}
		}
	}
	for (let day = firstDay; day <= lastDay; day++) {
		const weekday = weekdayOfDay(day);
		for (const slot of slots) {
			if (!slot.days.has(weekday)) continue;
			const wall = day * DAY_MS + slot.wallStart;
			const start = instantOf(zone, wall);
			const end = instantOf(zone, wall + slot.length);
			// A slot that starts and ends inside the hour the clocks skip never happens.
			if (end > start) yield { start, end };
		}
	}
}

/** Two streams ordered by start, as one. */
function* byStart(a: Iterator<Interval>, b: Iterator<Interval>): Generator<Interval> {
	let x = a.next();
	let y = b.next();
	while (!x.done || !y.done) {
		if (y.done || (!x.done && x.value.start <= y.value.start)) {
			yield x.value;
			x = a.next();
		} else {
			yield y.value;
			y = b.next();
		}
	}
}

/** Overlapping and touching intervals joined, from a stream ordered by start. */
function* merged(intervals: Iterable<Interval>): Generator<Interval> {
	let current: Interval | undefined;
	for (const next of intervals) {
		if (current && next.start <= current.end) current.end = Math.max(current.end, next.end);
		else {
			if (current) yield current;
			current = { ...next };
		}
	}
	if (current) yield current;
}

function* openingsFrom(doc: WindowDocument, at: number): Generator<Interval> {
	const today = dayNumber(wallTimeAt(doc.spec.timezone, at));
	const scanStart = today - LOOKBACK_DAYS;
	const ranges = rangeIntervals(doc).filter((r) => r.end > (scanStart - 1) * DAY_MS);
	for (const opening of merged(byStart(weeklyIntervals(doc, scanStart, today + HORIZON_DAYS), ranges[Symbol.iterator]()))) {
		if (opening.end > at) yield opening;
	}
}

/**
 * The next `count` openings that end after `from`, in order; the first may already be running.
 * An opening that began more than LOOKBACK_DAYS before `from` is reported from then.
 */
export function openings(doc: WindowDocument, from: Date, count: number): Opening[] {
	const out: Opening[] = [];
	if (count <= 0) return out;
	for (const { start, end } of openingsFrom(doc, from.getTime())) {
		out.push({ start: new Date(start), end: new Date(end) });
		if (out.length >= count) break;
	}
	return out;
}

/** Whether the window is open at `at`, and until when; if not, its next opening (none when it has no more). */
export function windowState(doc: WindowDocument, at: Date): WindowState {
	const [first] = openings(doc, at, 1);
	if (!first) return { open: false };
	return first.start.getTime() <= at.getTime() ? { open: true, opening: first } : { open: false, next: first };
}

export function isOpen(doc: WindowDocument, at: Date): boolean {
	return windowState(doc, at).open;
}

/** Why the window is in force at `at`: the reason of a range covering it, else the window's description. */
export function reasonAt(doc: WindowDocument, at: Date): string | undefined {
	const zone = doc.spec.timezone;
	const t = at.getTime();
	const covering = doc.spec.ranges.find((r) => r.reason && localInstant(zone, r.from) <= t && t < localInstant(zone, r.to));
	return covering?.reason ?? doc.spec.description;
}
