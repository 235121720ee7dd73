import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseDuration } from '../../runbooks/duration.ts';
import { HORIZON_DAYS, isOpen, openings, reasonAt, windowState, type Opening } from '../../runbooks/window-calendar.ts';
import { WEEKDAYS, windowSchema, type WindowDocument } from '../../runbooks/window-schema.ts';
import { dayNumber, instantOf, offsetAt, wallTimeAt, weekdayOfDay } from '../../runbooks/zoned-time.ts';

// Windows whose slots tile the week are searched to the horizon, which takes a while.
const TIMEOUT = 60_000;

type Slot = { days: Array<(typeof WEEKDAYS)[number]>; start: string; duration: string };
type Range = { from: string; to: string; reason?: string };

function windowDoc(timezone: string, spec: { weekly?: Slot[]; ranges?: Range[]; kind?: 'maintenance' | 'freeze'; description?: string }): WindowDocument {
	return windowSchema.parse({ apiVersion: 'tend/v1', kind: 'Window', metadata: { name: 'w', title: 'W' }, spec: { kind: 'maintenance', timezone, ...spec } });
}

const at = (iso: string) => new Date(iso);
const iso = (list: Opening[]) => list.map((o) => [o.start.toISOString(), o.end.toISOString()]);
const clock = (zone: string, date: Date) => {
	const w = wallTimeAt(zone, date.getTime());
	return `${String(w.hour).padStart(2, '0')}:${String(w.minute).padStart(2, '0')}`;
};

describe('zoned time', () => {
	it('reads a repeated hour as its first occurrence and a skipped one as the moment the clocks jump', () => {
		expect(new Date(instantOf('Europe/Berlin', { year: 2025, month: 10, day: 26, hour: 2, minute: 30 })).toISOString()).toBe('2025-10-26T00:30:00.000Z');
		expect(new Date(instantOf('Europe/Berlin', { year: 2025, month: 3, day: 30, hour: 2, minute: 30 })).toISOString()).toBe('2025-03-30T01:00:00.000Z');
		expect(new Date(instantOf('America/New_York', { year: 2025, month: 3, day: 9, hour: 2, minute: 59 })).toISOString()).toBe('2025-03-09T07:00:00.000Z');
		// Lord Howe Island moves its clocks by half an hour.
		expect(new Date(instantOf('Australia/Lord_Howe', { year: 2025, month: 10, day: 5, hour: 2, minute: 10 })).toISOString()).toBe('2025-10-04T15:30:00.000Z');
	});

	it('round-trips every wall time that exists', () => {
		fc.assert(
			fc.property(fc.constantFrom('Europe/Berlin', 'America/New_York', 'Asia/Shanghai', 'Australia/Lord_Howe', 'America/St_Johns'), fc.integer({ min: Date.UTC(2020, 0, 1), max: Date.UTC(2030, 0, 1) }), (zone, ms) => {
				const instant = Math.floor(ms / 60_000) * 60_000;
				const wall = wallTimeAt(zone, instant);
				const back = instantOf(zone, wall);
				// Back to the same instant, or to the first occurrence of a repeated reading.
				expect(back <= instant).toBe(true);
				expect(wallTimeAt(zone, back)).toEqual(wall);
			}),
			{ numRuns: 500 }
		);
	}, TIMEOUT);
});

describe('weekly slots across daylight-saving changes', () => {
	const saturdayNight = (zone: string) => windowDoc(zone, { weekly: [{ days: ['sat'], start: '22:00', duration: '6h' }] });

	it('keep Saturday 22:00 to 04:00 on the Berlin clock through both changes of 2025', () => {
		const doc = saturdayNight('Europe/Berlin');
		expect(iso(openings(doc, at('2025-03-20T00:00:00Z'), 3))).toEqual([
			['2025-03-22T21:00:00.000Z', '2025-03-23T03:00:00.000Z'],
			// Clocks go forward at 02:00 that night: five real hours, still 22:00-04:00 local.
			['2025-03-29T21:00:00.000Z', '2025-03-30T02:00:00.000Z'],
			['2025-04-05T20:00:00.000Z', '2025-04-06T02:00:00.000Z']
		]);
		expect(iso(openings(doc, at('2025-10-20T00:00:00Z'), 2))).toEqual([
			// Clocks go back at 03:00: seven real hours.
			['2025-10-25T20:00:00.000Z', '2025-10-26T03:00:00.000Z'],
			['2025-11-01T21:00:00.000Z', '2025-11-02T03:00:00.000Z']
		]);
		for (const o of [...openings(doc, at('2025-03-01T00:00:00Z'), 8), ...openings(doc, at('2025-10-01T00:00:00Z'), 8)]) {
			expect(clock('Europe/Berlin', o.start)).toBe('22:00');
			expect(clock('Europe/Berlin', o.end)).toBe('04:00');
		}
	});

	it('keep Saturday 22:00 on the New York clock through both changes of 2025', () => {
		const doc = saturdayNight('America/New_York');
		expect(iso(openings(doc, at('2025-03-01T12:00:00Z'), 3))).toEqual([
			['2025-03-02T03:00:00.000Z', '2025-03-02T09:00:00.000Z'],
			['2025-03-09T03:00:00.000Z', '2025-03-09T08:00:00.000Z'],
			['2025-03-16T02:00:00.000Z', '2025-03-16T08:00:00.000Z']
		]);
		expect(iso(openings(doc, at('2025-11-01T12:00:00Z'), 2))).toEqual([
			['2025-11-02T02:00:00.000Z', '2025-11-02T09:00:00.000Z'],
			['2025-11-09T03:00:00.000Z', '2025-11-09T09:00:00.000Z']
		]);
	});

	it('start a slot whose time the clocks skip when they jump, and drop one that lies wholly inside the gap', () => {
		const berlin = windowDoc('Europe/Berlin', { weekly: [{ days: ['sun'], start: '02:30', duration: '1h' }] });
		expect(iso(openings(berlin, at('2025-03-29T00:00:00Z'), 1))).toEqual([['2025-03-30T01:00:00.000Z', '2025-03-30T01:30:00.000Z']]);
		expect(windowState(berlin, at('2025-03-30T01:00:00Z'))).toEqual({ open: true, opening: { start: at('2025-03-30T01:00:00Z'), end: at('2025-03-30T01:30:00Z') } });
		expect(isOpen(berlin, at('2025-03-30T00:59:59Z'))).toBe(false);

		const newYork = windowDoc('America/New_York', { weekly: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], start: '02:15', duration: '30m' }] });
		// 02:15-02:45 never happens on 9 March 2025.
		expect(iso(openings(newYork, at('2025-03-08T12:00:00Z'), 1))).toEqual([['2025-03-10T06:15:00.000Z', '2025-03-10T06:45:00.000Z']]);
	});

	it('start a slot whose time the clocks repeat the first time round', () => {
		const newYork = windowDoc('America/New_York', { weekly: [{ days: ['sun'], start: '01:30', duration: '1h' }] });
		const [night] = openings(newYork, at('2025-11-01T12:00:00Z'), 1);
		expect(iso([night])).toEqual([['2025-11-02T05:30:00.000Z', '2025-11-02T07:30:00.000Z']]);
		// 01:45 the second time round (EST) is still inside it.
		expect(isOpen(newYork, at('2025-11-02T06:45:00Z'))).toBe(true);
	});

	it('are the same UTC hours all year in Asia/Shanghai, which has no daylight-saving time', () => {
		const doc = saturdayNight('Asia/Shanghai');
		for (const from of ['2025-01-01T00:00:00Z', '2025-03-27T00:00:00Z', '2025-07-01T00:00:00Z', '2025-10-23T00:00:00Z']) {
			for (const o of openings(doc, at(from), 4)) {
				expect(o.start.getUTCHours()).toBe(14);
				expect(o.end.getTime() - o.start.getTime()).toBe(6 * 3_600_000);
			}
		}
	});
});

describe('openings', () => {
	it('include a slot that crosses the week boundary, open on Monday morning', () => {
		const doc = windowDoc('UTC', { weekly: [{ days: ['sun'], start: '23:00', duration: '3h' }] });
		expect(windowState(doc, at('2025-06-09T01:00:00Z'))).toEqual({ open: true, opening: { start: at('2025-06-08T23:00:00Z'), end: at('2025-06-09T02:00:00Z') } });
		expect(windowState(doc, at('2025-06-08T22:59:00Z'))).toEqual({ open: false, next: { start: at('2025-06-08T23:00:00Z'), end: at('2025-06-09T02:00:00Z') } });
		expect(isOpen(doc, at('2025-06-09T02:00:00Z'))).toBe(false);
	});

	it('count a slot that began the day before and still runs as open now', () => {
		const doc = windowDoc('Europe/Berlin', { weekly: [{ days: ['fri'], start: '20:00', duration: '2d' }] });
		expect(windowState(doc, at('2025-06-15T12:00:00Z'))).toEqual({ open: true, opening: { start: at('2025-06-13T18:00:00Z'), end: at('2025-06-15T18:00:00Z') } });
	});

	it('read a range crossing midnight in the window’s zone', () => {
		const doc = windowDoc('Europe/Berlin', { kind: 'freeze', ranges: [{ from: '2025-12-24T22:00', to: '2025-12-25T02:00', reason: 'Christmas release' }] });
		expect(iso(openings(doc, at('2025-12-01T00:00:00Z'), 5))).toEqual([['2025-12-24T21:00:00.000Z', '2025-12-25T01:00:00.000Z']]);
		expect(isOpen(doc, at('2025-12-24T22:30:00Z'))).toBe(true);
		expect(isOpen(doc, at('2025-12-24T23:30:00Z'))).toBe(true);
		expect(isOpen(doc, at('2025-12-25T01:00:00Z'))).toBe(false);
		expect(reasonAt(doc, at('2025-12-24T23:30:00Z'))).toBe('Christmas release');
		expect(windowState(doc, at('2025-12-26T00:00:00Z'))).toEqual({ open: false });
	});

	it('take a date alone as its local midnight', () => {
		const doc = windowDoc('America/New_York', { kind: 'freeze', ranges: [{ from: '2025-12-20', to: '2026-01-05' }], description: 'Year-end freeze' });
		expect(iso(openings(doc, at('2025-12-01T00:00:00Z'), 1))).toEqual([['2025-12-20T05:00:00.000Z', '2026-01-05T05:00:00.000Z']]);
		expect(reasonAt(doc, at('2025-12-25T00:00:00Z'))).toBe('Year-end freeze');
	});

	it('merge slots and ranges that overlap or touch', () => {
		const doc = windowDoc('UTC', {
			weekly: [
				{ days: ['mon'], start: '08:00', duration: '2h' },
				{ days: ['mon'], start: '10:00', duration: '2h' },
				{ days: ['wed'], start: '08:00', duration: '1h' }
			],
			ranges: [{ from: '2025-06-09T11:00', to: '2025-06-09T13:00' }]
		});
		expect(iso(openings(doc, at('2025-06-08T00:00:00Z'), 3))).toEqual([
			['2025-06-09T08:00:00.000Z', '2025-06-09T13:00:00.000Z'],
			['2025-06-11T08:00:00.000Z', '2025-06-11T09:00:00.000Z'],
			['2025-06-16T08:00:00.000Z', '2025-06-16T12:00:00.000Z']
		]);
	});

	it('report a window that never closes as one opening reaching the horizon', () => {
		const doc = windowDoc('Europe/Berlin', { weekly: [{ days: [...WEEKDAYS], start: '00:00', duration: '1d' }] });
		const list = openings(doc, at('2025-03-29T12:00:00Z'), 3);
		expect(list).toHaveLength(1);
		expect(list[0].end.getTime() - Date.parse('2025-03-29T12:00:00Z')).toBeGreaterThan((HORIZON_DAYS - 1) * 86_400_000);
		// Daily slots tile even on the days with 23 and 25 hours.
		expect(isOpen(doc, at('2025-10-26T23:30:00Z'))).toBe(true);
	});

	it('are none when asked for none, or when every range is past', () => {
		const doc = windowDoc('UTC', { ranges: [{ from: '2020-01-01', to: '2020-01-02' }] });
		expect(openings(doc, at('2025-01-01T00:00:00Z'), 3)).toEqual([]);
		expect(openings(windowDoc('UTC', { weekly: [{ days: ['mon'], start: '08:00', duration: '1h' }] }), at('2025-01-01T00:00:00Z'), 0)).toEqual([]);
	});
});

describe('properties', () => {
	const ZONES = ['UTC', 'Europe/Berlin', 'America/New_York', 'Asia/Shanghai', 'Australia/Lord_Howe', 'America/St_Johns', 'Asia/Kolkata', 'Pacific/Chatham'];
	/** Daylight-saving changes of 2025 in those zones, where mistakes would hide. */
	const TRANSITIONS = ['2025-03-30T01:00:00Z', '2025-10-26T01:00:00Z', '2025-03-09T07:00:00Z', '2025-11-02T06:00:00Z', '2025-04-05T15:00:00Z', '2025-10-04T15:30:00Z', '2025-03-09T05:30:00Z', '2025-04-05T14:00:00Z'].map(Date.parse);
	const two = (n: number) => String(n).padStart(2, '0');
	const clockText = fc.tuple(fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 59 })).map(([h, m]) => `${two(h)}:${two(m)}`);
	const slot = fc.record({ days: fc.subarray([...WEEKDAYS], { minLength: 1 }), start: clockText, duration: fc.constantFrom('15m', '1h', '90m', '6h', '23h', '1d', '2d', '7d') });
	const localText = (ms: number) => new Date(ms).toISOString().slice(0, 16);
	const range = fc
		.tuple(fc.integer({ min: Date.UTC(2024, 6, 1), max: Date.UTC(2026, 6, 1) }), fc.integer({ min: 1, max: 30 * 24 * 60 }))
		.map(([from, minutes]) => ({ from: localText(from), to: localText(from + minutes * 60_000) }));
	const windowArb = fc
		.record({ timezone: fc.constantFrom(...ZONES), weekly: fc.array(slot, { maxLength: 3 }), ranges: fc.array(range, { maxLength: 2 }) })
		.filter((s) => s.weekly.length + s.ranges.length > 0)
		.map((s) => windowDoc(s.timezone, s));
	const instant = fc.oneof(
		fc.integer({ min: Date.UTC(2024, 6, 1), max: Date.UTC(2026, 6, 1) }),
		fc.tuple(fc.constantFrom(...TRANSITIONS), fc.integer({ min: -3 * 86_400_000, max: 3 * 86_400_000 })).map(([t, d]) => t + d)
	);

	/** Open by definition: some single slot or range covers the instant. Knows nothing of merging. */
	function coveredByAny(doc: WindowDocument, t: number): boolean {
		const zone = doc.spec.timezone;
		const today = dayNumber(wallTimeAt(zone, t));
		for (let day = today - 8; day <= today + 1; day++) {
			for (const s of doc.spec.weekly) {
				if (!s.days.includes(WEEKDAYS[weekdayOfDay(day)])) continue;
				const [h, m] = s.start.split(':').map(Number);
				const wall = day * 86_400_000 + (h * 60 + m) * 60_000;
				if (instantOf(zone, wall) <= t && t < instantOf(zone, wall + parseDuration(s.duration))) return true;
			}
		}
		return doc.spec.ranges.some((r) => instantOf(zone, Date.parse(`${r.from}Z`)) <= t && t < instantOf(zone, Date.parse(`${r.to}Z`)));
	}

	it('openings are sorted, disjoint, not touching, and the first ends after the instant asked about', () => {
		fc.assert(
			fc.property(windowArb, instant, (doc, t) => {
				const list = openings(doc, new Date(t), 6);
				list.forEach((o, i) => {
					expect(o.start.getTime()).toBeLessThan(o.end.getTime());
					if (i > 0) expect(list[i - 1].end.getTime()).toBeLessThan(o.start.getTime());
				});
				if (list.length) expect(list[0].end.getTime()).toBeGreaterThan(t);
			}),
			{ numRuns: 300 }
		);
	}, TIMEOUT);

	it('an instant is open exactly when a slot or range covers it, and then it lies inside an opening from an earlier start', () => {
		fc.assert(
			fc.property(windowArb, instant, (doc, t) => {
				const open = isOpen(doc, new Date(t));
				expect(open).toBe(coveredByAny(doc, t));
				const earlier = openings(doc, new Date(t - 2 * 86_400_000), 40);
				expect(earlier.some((o) => o.start.getTime() <= t && t < o.end.getTime())).toBe(open);
				const state = windowState(doc, new Date(t));
				if (state.open) expect(state.opening.start.getTime() <= t && t < state.opening.end.getTime()).toBe(true);
				else if (state.next) expect(state.next.start.getTime()).toBeGreaterThan(t);
			}),
			{ numRuns: 300 }
		);
	}, TIMEOUT);

	it('an opening is the same whichever earlier instant the search starts from', () => {
		fc.assert(
			fc.property(windowArb, instant, (doc, t) => {
				const list = openings(doc, new Date(t), 4);
				for (const o of list.slice(1)) expect(openings(doc, o.start, 1)).toEqual([o]);
			}),
			{ numRuns: 200 }
		);
	}, TIMEOUT);

	it('every opening of a single slot starts at its wall time, unless the clocks skipped it', () => {
		fc.assert(
			fc.property(fc.constantFrom(...ZONES), slot, instant, (zone, s, t) => {
				const doc = windowDoc(zone, { weekly: [s] });
				for (const o of openings(doc, new Date(t), 5)) {
					const skipped = offsetAt(zone, o.start.getTime() - 1000) !== offsetAt(zone, o.start.getTime());
					if (!skipped) expect(clock(zone, o.start)).toBe(s.start);
				}
			}),
			{ numRuns: 200 }
		);
	}, TIMEOUT);
});
