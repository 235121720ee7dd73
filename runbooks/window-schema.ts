import { z } from 'zod';
import { DURATION_PATTERN, parseDuration } from './duration.ts';
import { metadataSchema, resourceName } from './fields.ts';
import { suggestion } from './suggest.ts';

/**
 * A Window (DESIGN §3): when risky work may run (`maintenance`) or must not (`freeze`). Times are
 * wall-clock times in the window's IANA time zone, so "Saturday 22:00" stays 22:00 across a
 * daylight-saving change; absolute ranges are local times in the same zone.
 */
export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
const WEEK_MS = 7 * 86_400_000;

/** The IANA time zones this runtime knows by their canonical names; isTimeZone also takes their aliases. */
export const TIME_ZONES: readonly string[] = [...new Set(['UTC', ...Intl.supportedValuesOf('timeZone')])];

export function isTimeZone(name: string): boolean {
	try {
		new Intl.DateTimeFormat('en-US', { timeZone: name });
		return true;
	} catch {
		return false;
	}
}

const timezone = z
	.string()
	.superRefine((name, ctx) => {
		if (!isTimeZone(name)) ctx.addIssue({ code: 'custom', message: `must be an IANA time zone such as Europe/Berlin or UTC${suggestion(name, Intl.supportedValuesOf('timeZone'), 'for example')}` });
	})
	.describe('IANA time zone, such as Europe/Berlin');

const clock = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be a time of day such as 22:00');
const length = z
	.string()
	.regex(DURATION_PATTERN, 'must be a duration such as 90m or 6h')
	// Zod runs refinements after a failed pattern too, so this one must not assume a valid duration.
	.refine((d) => !DURATION_PATTERN.test(d) || (parseDuration(d) > 0 && parseDuration(d) <= WEEK_MS), 'must be longer than 0 and at most 7d');

const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const LOCAL_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:T([01]\d|2[0-3]):([0-5]\d)(?::([0-5]\d))?)?$/;

/** A calendar date (and time) that exists: 2025-02-30 does not. Pure arithmetic, so it needs no clock. */
function isLocalTime(text: string): boolean {
	const match = LOCAL_TIME.exec(text);
	if (!match) return false;
	const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
	if (month < 1 || month > 12 || day < 1) return false;
	const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
	return day <= (month === 2 && !leap ? 28 : DAYS_IN_MONTH[month - 1]);
}

/** Same-format local times compare as text once both are padded to seconds. */
const sortable = (text: string) => (text.length === 10 ? `${text}T00:00:00` : text.length === 16 ? `${text}:00` : text);

const localTime = z.string().refine(isLocalTime, 'must be a local date and time such as 2025-12-24T18:00 (or a date, meaning its midnight)');

export const windowSchema = z.strictObject({
	apiVersion: z.literal('tend/v1'),
	kind: z.literal('Window'),
	metadata: metadataSchema,
	spec: z
		.strictObject({
			kind: z.enum(['maintenance', 'freeze']),
			timezone,
			description: z.string().optional(),
			targets: z.array(resourceName).optional().describe('the targets it applies to (default: all)'),
			weekly: z
				.array(
					z.strictObject({
						days: z.array(z.enum(WEEKDAYS)).min(1, 'name at least one day').refine((days) => new Set(days).size === days.length, 'names a day twice'),
						start: clock,
						duration: length
					})
				)
				.default([]),
			ranges: z
				.array(
					z
						.strictObject({ from: localTime, to: localTime, reason: z.string().optional() })
						.refine((r) => !isLocalTime(r.from) || !isLocalTime(r.to) || sortable(r.from) < sortable(r.to), { error: 'must end after it starts', path: ['to'] })
				)
				.default([])
		})
		.refine((spec) => spec.weekly.length + spec.ranges.length > 0, 'a window needs at least one weekly slot or one range')
});

export type WindowDocument = z.infer<typeof windowSchema>;
