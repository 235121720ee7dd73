import { describe, expect, it } from 'vitest';
import { uuidV5 } from '../../shared/run-start.ts';
import { newScheduleSchema, temporalSpec, timingOf } from '../../shared/schedule-spec.ts';
import { effectiveRoles, generateApiToken, hashApiToken, holdsScope } from '../../web/src/lib/server/tokens.ts';

describe('API token roles', () => {
	it('narrows the owner’s roles to the token’s scopes, and grants nothing without scopes', () => {
		// Issue 12, hole 1: an empty list is not "everything".
		expect(effectiveRoles(['author', 'operator'], [])).toEqual([]);
		expect(effectiveRoles(['admin'], ['tokens'])).toEqual([]);
		expect(effectiveRoles(['author', 'operator'], ['operator'])).toEqual(['operator']);
		// A scope the owner lost since the token was made no longer counts.
		expect(effectiveRoles(['viewer'], ['author', 'viewer'])).toEqual(['viewer']);
		// Admin holds every role, so an admin's viewer token is exactly a viewer.
		expect(effectiveRoles(['admin'], ['viewer'])).toEqual(['viewer']);
		expect(holdsScope(['admin'], 'approver')).toBe(true);
		expect(holdsScope(['viewer'], 'approver')).toBe(false);
		// Admin covers every role, not the right to manage tokens.
		expect(holdsScope(['admin'], 'tokens')).toBe(false);
	});

	it('draws a fresh prefixed token each time and stores only its hash', () => {
		const [a, b] = [generateApiToken(), generateApiToken()];
		expect(a).toMatch(/^tend_[A-Za-z0-9_-]{43}$/);
		expect(a).not.toBe(b);
		expect(hashApiToken(a)).toMatch(/^[0-9a-f]{64}$/);
		expect(hashApiToken(a)).not.toContain(a.slice(5));
	});
});

describe('schedule timing', () => {
	const base = { runbook: 'nightly', inputs: {} };
	const paths = (body: object) => {
		const result = newScheduleSchema.safeParse(body);
		return result.success ? [] : result.error.issues.map((issue) => issue.path.join('.'));
	};

	it('takes exactly one of cron and every, in a real time zone', () => {
		expect(paths({ ...base, every: '1h' })).toEqual([]);
		expect(paths({ ...base, cron: '0 2 * * *', timezone: 'Europe/Berlin' })).toEqual([]);
		expect(paths({ ...base, cron: '@daily' })).toEqual([]);
		expect(paths(base)).toEqual(['cron']);
		expect(paths({ ...base, every: '1h', cron: '0 2 * * *' })).toEqual(['every']);
		expect(paths({ ...base, every: '30s' })).toEqual(['every']);
		expect(paths({ ...base, every: 'hourly' })).toEqual(['every']);
		expect(paths({ ...base, cron: 'every night' })).toEqual(['cron']);
		expect(paths({ ...base, every: '1h', timezone: 'Moon/Base' })).toEqual(['timezone']);
		expect(paths({ ...base, every: '1h', owner: 'x' })).toEqual(['']);
	});

	it('holds every form to the one-minute floor: a seven-field cron starts with seconds, which must be one value', () => {
		expect(paths({ ...base, cron: '* * * * * * *' })).toEqual(['cron']);
		expect(paths({ ...base, cron: '*/10 * * * * * *' })).toEqual(['cron']);
		expect(paths({ ...base, cron: '0,30 * * * * * *' })).toEqual(['cron']);
		expect(paths({ ...base, cron: '0-59 * * * * * *' })).toEqual(['cron']);
		expect(paths({ ...base, cron: '60 * * * * * *' })).toEqual(['cron']);
		expect(paths({ ...base, cron: '0 * * * * * *' })).toEqual([]);
		expect(paths({ ...base, cron: '30 15 2 * * * 2030' })).toEqual([]);
		expect(paths({ ...base, cron: '* * * * * 2030' })).toEqual([]);
		expect(paths({ ...base, cron: '* * * * *' })).toEqual([]);
		expect(newScheduleSchema.safeParse({ ...base, cron: '* * * * * * *' }).error?.issues[0].message).toMatch(/at most once a minute/);
	});

	it('keeps an inherited name among the inputs, so the unknown-input check can name it', () => {
		const parsed = newScheduleSchema.parse({ ...base, every: '1h', inputs: JSON.parse('{"__proto__": 1, "constructor": 2}') });
		expect(Object.keys(parsed.inputs)).toEqual(['__proto__', 'constructor']);
		expect(paths({ ...base, every: '1h', inputs: [1] })).toEqual(['inputs']);
	});

	it('keeps the timing as written and gives Temporal its own form', () => {
		const every = newScheduleSchema.parse({ ...base, every: '90m' });
		expect(timingOf(every)).toEqual({ every: '90m', timezone: 'UTC' });
		expect(temporalSpec(timingOf(every))).toEqual({ intervals: [{ every: 5_400_000 }], timezone: 'UTC' });
		const cron = newScheduleSchema.parse({ ...base, cron: ' 0 2 * * 1-5 ', timezone: 'Asia/Shanghai' });
		expect(temporalSpec(timingOf(cron))).toEqual({ cronExpressions: ['0 2 * * 1-5'], timezone: 'Asia/Shanghai' });
	});
});

describe('name-based run ids', () => {
	it('are RFC 9562 UUIDv5: the same name gives the same id, another name another', () => {
		// The RFC's own example: the DNS namespace and www.example.com.
		expect(uuidV5('www.example.com', '6ba7b810-9dad-11d1-80b4-00c04fd430c8')).toBe('2ed6657d-e927-568b-95e1-2665a8aea6a2');
		expect(uuidV5('sched-a-workflow-2026-01-01T00:00:00Z')).toBe(uuidV5('sched-a-workflow-2026-01-01T00:00:00Z'));
		expect(uuidV5('sched-a-workflow-2026-01-01T00:00:00Z')).not.toBe(uuidV5('sched-a-workflow-2026-01-01T01:00:00Z'));
	});
});
