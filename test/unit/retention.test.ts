import { describe, expect, it } from 'vitest';
import { archiveFilePath, parseDestination } from '../../activities/archive-destination.ts';
import { maintenancePlan } from '../../activities/postgres-maintain.ts';
import { advance, resumeFrom, shouldContinue, START, type BatchProgress } from '../../activities/retention-batches.ts';
import { cutoffBefore, effectiveCutoff } from '../../activities/retention-cutoff.ts';

const at = (iso: string) => new Date(iso);
const iso = (date: Date) => date.toISOString();

describe('the retention cutoff from olderThan', () => {
	it('subtracts minutes, hours and days exactly, decimals included', () => {
		const now = at('2026-11-23T12:00:00.000Z');
		expect(iso(cutoffBefore('90m', now))).toBe('2026-11-23T10:30:00.000Z');
		expect(iso(cutoffBefore('1.5h', now))).toBe('2026-11-23T10:30:00.000Z');
		expect(iso(cutoffBefore('90d', now))).toBe('2026-08-25T12:00:00.000Z');
		expect(iso(cutoffBefore('12w', now))).toBe('2026-08-31T12:00:00.000Z');
	});

	it('counts months and years on the calendar, clamping to the end of a shorter month', () => {
		expect(iso(cutoffBefore('2y', at('2026-11-23T11:29:50.000Z')))).toBe('2024-11-23T11:29:50.000Z');
		expect(iso(cutoffBefore('1y', at('2028-02-29T08:00:00.000Z')))).toBe('2027-02-28T08:00:00.000Z');
		expect(iso(cutoffBefore('1mo', at('2026-03-31T00:00:00.000Z')))).toBe('2026-02-28T00:00:00.000Z');
		expect(iso(cutoffBefore('1mo', at('2028-03-31T00:00:00.000Z')))).toBe('2028-02-29T00:00:00.000Z');
		expect(iso(cutoffBefore('6mo', at('2026-01-15T00:00:00.000Z')))).toBe('2025-07-15T00:00:00.000Z');
		expect(iso(cutoffBefore('14mo', at('2026-01-31T00:00:00.000Z')))).toBe('2024-11-30T00:00:00.000Z');
	});

	it('refuses ages it cannot read, naming the value', () => {
		for (const bad of ['2', '1.5y', '3 days', '-1d', '10s', '']) expect(() => cutoffBefore(bad, new Date())).toThrow(`olderThan "${bad}"`);
	});

	it('takes `before` only when it is earlier than the age allows', () => {
		const now = at('2026-11-23T00:00:00.000Z');
		expect(iso(effectiveCutoff('2y', now, '2024-01-01T00:00:00+02:00'))).toBe('2023-12-31T22:00:00.000Z');
		expect(iso(effectiveCutoff('2y', now, '2026-01-01T00:00:00Z'))).toBe('2024-11-23T00:00:00.000Z');
		expect(() => effectiveCutoff('2y', now, 'yesterday')).toThrow(/before "yesterday"/);
	});
});

describe('batch progress', () => {
	const limits = { batchSize: 100, maxBatches: 3 };

	it('moves the key forward, counts rows and stops at a short batch', () => {
		let p = advance(START, { selected: 100, last: '100', rows: 100, archived: 100 }, limits);
		expect(p).toEqual({ after: '100', batches: 1, rows: 100, archived: 100, complete: false });
		expect(shouldContinue(p, limits)).toBe(true);
		// Another session deleted two of the picked rows first: the key still moves past all of them.
		p = advance(p, { selected: 40, last: '187', rows: 38, archived: 38 }, limits);
		expect(p).toEqual({ after: '187', batches: 2, rows: 138, archived: 138, complete: true });
		expect(shouldContinue(p, limits)).toBe(false);
	});

	it('does not count an empty last batch, and stops at maxBatches with complete false', () => {
		const full = { selected: 100, last: 'x', rows: 100, archived: 0 };
		let p: BatchProgress = START;
		for (let i = 0; i < 3; i++) p = advance(p, full, limits);
		expect(p.batches).toBe(3);
		expect(shouldContinue(p, limits)).toBe(false);
		expect(p.complete).toBe(false);
		expect(advance(p, { selected: 0, last: null, rows: 0, archived: 0 }, limits)).toEqual({ ...p, complete: true });
	});

	it('resumes from a heartbeat of the same cutoff only', () => {
		const beat = { after: '5000', batches: 5, rows: 5000, archived: 0, complete: false, cutoff: '2024-11-23T00:00:00.000Z' };
		expect(resumeFrom(beat, beat.cutoff)).toEqual({ after: '5000', batches: 5, rows: 5000, archived: 0, complete: false });
		expect(resumeFrom(beat, '2024-11-24T00:00:00.000Z')).toBe(START);
		expect(resumeFrom(undefined, beat.cutoff)).toBe(START);
		expect(resumeFrom({ ...beat, rows: -1 }, beat.cutoff)).toBe(START);
		expect(resumeFrom({ ...beat, after: 7 }, beat.cutoff)).toBe(START);
		expect(resumeFrom({ ...beat, complete: true }, beat.cutoff).complete).toBe(true);
	});
});

describe('archive destinations', () => {
	it('reads schema and file, with or without a name', () => {
		expect(parseDestination(undefined)).toEqual({ kind: 'schema', schema: undefined });
		expect(parseDestination('schema:old_rows')).toEqual({ kind: 'schema', schema: 'old_rows' });
		expect(parseDestination('file')).toEqual({ kind: 'file', path: undefined });
		expect(parseDestination('file:logs/2024.csv.gz')).toEqual({ kind: 'file', path: 'logs/2024.csv.gz' });
		expect(() => parseDestination('s3:bucket')).toThrow(/must be schema, schema:NAME, file or file:PATH/);
	});

	it('keeps a file inside the backup location, named by run and step unless given', () => {
		expect(archiveFilePath('/b', undefined, 'public.app_logs', 'r1', 'purge[2]')).toBe('/b/archives/public.app_logs-r1-purge_2_.csv.gz');
		expect(archiveFilePath('/b', 'old/logs', 'public.app_logs', 'r1', 's')).toBe('/b/old/logs.csv.gz');
		expect(archiveFilePath('/b', 'a/../logs.gz', 't', 'r', 's')).toBe('/b/logs.gz');
		for (const escape of ['../x.csv.gz', '/etc/x', 'a/../../x']) expect(() => archiveFilePath('/b', escape, 't', 'r', 's')).toThrow(/inside the target's backup location/);
	});
});

describe('what postgres.maintain does', () => {
	it('does everything when told nothing, reindexing the bloated indexes', () => {
		expect(maintenancePlan({})).toEqual({ vacuum: true, analyze: true, reindex: 'bloated', report: true });
	});

	it('does only what the flags name once one is given, and tasks add to them', () => {
		expect(maintenancePlan({ report: true })).toEqual({ vacuum: false, analyze: false, reindex: [], report: true });
		expect(maintenancePlan({ reindex: ['public.a_idx'] })).toEqual({ vacuum: false, analyze: false, reindex: ['public.a_idx'], report: false });
		expect(maintenancePlan({ tasks: ['vacuum'], report: true })).toEqual({ vacuum: true, analyze: false, reindex: [], report: true });
		expect(maintenancePlan({ tasks: ['analyze', 'reindex'] })).toEqual({ vacuum: false, analyze: true, reindex: 'bloated', report: false });
	});
});
