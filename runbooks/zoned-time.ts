/**
 * Wall-clock time in an IANA time zone, with nothing but Intl: what a zone's clock reads at an
 * instant, and the instant at which it reads a given time. Dependency-free and deterministic,
 * like the rest of runbooks/, so workflow code may import it.
 */

/** A reading of a zone's clock; month is 1-12. */
export interface WallTime {
	year: number;
	month: number;
	day: number;
	hour: number;
	minute: number;
	second?: number;
}

const DAY_MS = 86_400_000;

// Formatters are costly to build and immutable, so one per zone is kept for the process's life.
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(zone: string): Intl.DateTimeFormat {
	let f = formatters.get(zone);
	if (!f) {
		// h23, not hour12: false, which some engines render as "24" at midnight.
		f = new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
		formatters.set(zone, f);
	}
	return f;
}

export function wallTimeAt(zone: string, epochMs: number): Required<WallTime> {
	const fields: Record<string, number> = {};
	for (const part of formatter(zone).formatToParts(epochMs)) if (part.type !== 'literal') fields[part.type] = Number(part.value);
	return { year: fields.year, month: fields.month, day: fields.day, hour: fields.hour, minute: fields.minute, second: fields.second };
}

/** The wall time as if it were UTC: arithmetic on readings without a zone. */
export function wallMs(wall: WallTime): number {
	return Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second ?? 0);
}

/** How far the zone's clock is ahead of UTC at an instant, in milliseconds. */
export function offsetAt(zone: string, epochMs: number): number {
	const whole = Math.floor(epochMs / 1000) * 1000;
	return wallMs(wallTimeAt(zone, whole)) - whole;
}

/**
 * The instant at which the zone's clock reads `wall` (a reading, or one in wallMs form). A
 * reading that happens twice (the hour repeated when clocks go back) gives the earlier instant;
 * one that never happens (skipped when clocks go forward) gives the first instant after the gap,
 * the moment the clocks jump.
 */
export function instantOf(zone: string, wall: WallTime | number): number {
	const local = typeof wall === 'number' ? wall : wallMs(wall);
	// A day either side reaches past any one transition near `local`, so these are the offsets in force around it.
	const offsets = new Set([offsetAt(zone, local - DAY_MS), offsetAt(zone, local + DAY_MS)]);
	const valid = [...offsets].map((offset) => local - offset).filter((instant) => offsetAt(zone, instant) === local - instant);
	if (valid.length) return Math.min(...valid);
	return transitionBetween(zone, local - Math.max(...offsets), local - Math.min(...offsets));
}

/** The first instant in (before, after] whose offset differs from the offset at `before`; transitions fall on whole seconds. */
function transitionBetween(zone: string, before: number, after: number): number {
	const initial = offsetAt(zone, before);
	let lo = before;
	let hi = after;
	while (hi - lo > 1000) {
		const mid = lo + Math.max(1000, Math.floor((hi - lo) / 2000) * 1000);
		if (offsetAt(zone, mid) === initial) lo = mid;
		else hi = mid;
	}
	return hi;
}

/** Calendar dates as day numbers (days since 1970-01-01), so that "the next day" is + 1. */
export function dayNumber(wall: Pick<WallTime, 'year' | 'month' | 'day'>): number {
	return Date.UTC(wall.year, wall.month - 1, wall.day) / DAY_MS;
}

/** 0 for Monday to 6 for Sunday, the order of WEEKDAYS. */
export function weekdayOfDay(day: number): number {
	return (new Date(day * DAY_MS).getUTCDay() + 6) % 7;
}
