import { describe, expect, it } from 'vitest';
import { jsonSafe, jsonSafeRows, MAX_ROWS } from '../../activities/json-rows.ts';

describe('query rows as step outputs', () => {
	it('turns what node-postgres returns into plain JSON values', () => {
		const row = {
			at: new Date('2026-01-10T22:00:00.000Z'),
			bytes: Buffer.from([0xde, 0xad]),
			big: 12n,
			nan: Number.NaN,
			tags: ['a', new Date('2026-01-01T00:00:00.000Z')],
			doc: { nested: { when: new Date('2026-02-01T00:00:00.000Z') } },
			none: null,
			flag: true
		};
		const safe = jsonSafe(row);
		expect(safe).toEqual({ at: '2026-01-10T22:00:00.000Z', bytes: '\\xdead', big: '12', nan: 'NaN', tags: ['a', '2026-01-01T00:00:00.000Z'], doc: { nested: { when: '2026-02-01T00:00:00.000Z' } }, none: null, flag: true });
		expect(JSON.parse(JSON.stringify(safe))).toEqual(safe);
	});

	it('cuts long text and keeps only the first rows', () => {
		expect((jsonSafe('x'.repeat(5000)) as string).length).toBe(2001);
		const rows = Array.from({ length: MAX_ROWS + 20 }, (_, id) => ({ id }));
		expect(jsonSafeRows(rows)).toEqual(rows.slice(0, MAX_ROWS));
	});
});
