/**
 * ISO 8601 durations (`P12M`, `P14D`, `PT12H`, `P1Y2M3DT4H5M6S`, `P2W`) as training modules write
 * a validity, a due date and reminders. Years and months are calendar amounts: a year's validity
 * from 31 January ends on 31 January, a month from 31 January on the last day of February (UTC).
 * Pure and dependency-free, so workflow code may import it.
 */
export const ISO_DURATION_PATTERN = /^P(?!$)(?:(\d{1,4})Y)?(?:(\d{1,4})M)?(?:(\d{1,4})W)?(?:(\d{1,5})D)?(?:T(?=\d)(?:(\d{1,6})H)?(?:(\d{1,7})M)?(?:(\d{1,9})S)?)?$/;

export interface IsoDuration {
	years: number;
	months: number;
	weeks: number;
	days: number;
	hours: number;
	minutes: number;
	seconds: number;
}

export function parseIsoDuration(text: string): IsoDuration | null {
	const match = ISO_DURATION_PATTERN.exec(text);
	if (!match) return null;
	const [years, months, weeks, days, hours, minutes, seconds] = match.slice(1).map((part) => (part ? Number(part) : 0));
	return { years, months, weeks, days, hours, minutes, seconds };
}

export const isIsoDuration = (text: string): boolean => parseIsoDuration(text) !== null;

const DAY_MS = 86_400_000;

/** `at` plus (or, with `sign` -1, minus) the duration: calendar months and years, then exact days and time. */
export function addIsoDuration(at: Date, duration: string | IsoDuration, sign: 1 | -1 = 1): Date {
	const d = typeof duration === 'string' ? parseIsoDuration(duration) : duration;
	if (!d) throw new Error(`"${String(duration)}" is not an ISO 8601 duration (e.g. P12M, P14D, PT12H)`);
	const result = new Date(at.getTime());
	const monthsTotal = sign * (d.years * 12 + d.months);
	if (monthsTotal !== 0) {
		const day = result.getUTCDate();
		result.setUTCDate(1);
		result.setUTCMonth(result.getUTCMonth() + monthsTotal);
		const lastDay = new Date(Date.UTC(result.getUTCFullYear(), result.getUTCMonth() + 1, 0)).getUTCDate();
		result.setUTCDate(Math.min(day, lastDay));
	}
	const exact = ((d.weeks * 7 + d.days) * DAY_MS + d.hours * 3_600_000 + d.minutes * 60_000 + d.seconds * 1000) * sign;
	return new Date(result.getTime() + exact);
}

/** The duration in milliseconds from `from` (calendar months counted from there). */
export function isoDurationMs(duration: string, from: Date): number {
	return addIsoDuration(from, duration).getTime() - from.getTime();
}
