import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loginAsAdmin, type ApiClient } from '../helpers/api.ts';
import { insertRunRows } from '../helpers/run-rows.ts';

interface ListJson {
	runs: Array<{ id: string; runbook: string; status: string; initiator: string; target: string | null; createdAt: string }>;
	older: string | null;
	newer: string | null;
}

/**
 * The run list's filters and keyset pages, checked against the same question asked of the
 * database directly: every run under a filter, newest first, each exactly once.
 */
describe('the run list', () => {
	const tag = `rl${randomUUID().slice(0, 8)}`;
	const people = [`${tag}-ana`, `${tag}-bo`, `${tag}-cy`];
	const places = [`${tag}-db1`, `${tag}-db2`];
	let admin: ApiClient;
	let db: pg.Pool;
	let runbook: string;

	beforeAll(async () => {
		admin = await loginAsAdmin();
		db = new pg.Pool({ connectionString: process.env.TEST_APP_DATABASE_URL, max: 2 });
		// Ten days of runs, in pairs that share a created_at: the id alone must keep such pairs in order.
		await insertRunRows(db, { count: 360, initiators: people, targets: places, from: new Date(Date.now() - 10 * 86_400_000), to: new Date(Date.now() - 60_000), tiesEvery: 2 });
		runbook = (await db.query<{ runbook_name: string }>('select runbook_name from runs where initiator = $1 limit 1', [people[0]])).rows[0].runbook_name;
	});
	afterAll(async () => {
		await db?.end();
	});

	/** What the database holds under a filter, newest first. */
	async function expected(where: string, params: unknown[]): Promise<string[]> {
		return (await db.query<{ id: string }>(`select id from runs where ${where} order by created_at desc, id desc`, params)).rows.map((r) => r.id);
	}

	/** Follows `older` cursors to the end; `between` runs before each next page is fetched. */
	async function pageThrough(query: string, between: () => Promise<void> = async () => {}): Promise<string[][]> {
		const pages: string[][] = [];
		let cursor: string | null = null;
		do {
			const response: { status: number; body: ListJson } = await admin.json<ListJson>('GET', `/api/v1/runs?${query}&limit=25${cursor ? `&before=${cursor}` : ''}`);
			expect(response.status).toBe(200);
			pages.push(response.body.runs.map((r) => r.id));
			cursor = response.body.older;
			await between();
		} while (cursor && pages.length < 50);
		return pages;
	}

	it('pages through each filter and combination without duplicates or gaps', async () => {
		const cases: Array<[string, string, unknown[]]> = [
			[`initiator=${people[0]}`, 'initiator = $1', [people[0]]],
			[`initiator=${people[1]}&status=failed`, "initiator = $1 and status = 'failed'", [people[1]]],
			[`target=${places[0]}&runbook=${runbook}`, 'target = $1 and runbook_name = $2', [places[0], runbook]],
			[`target=${places[1]}&status=succeeded&initiator=${people[2]}`, "target = $1 and status = 'succeeded' and initiator = $2", [places[1], people[2]]]
		];
		for (const [query, where, params] of cases) {
			const want = await expected(where, params);
			expect(want.length, query).toBeGreaterThan(0);
			const pages = await pageThrough(query);
			const got = pages.flat();
			expect(new Set(got).size, query).toBe(got.length);
			expect(got, query).toEqual(want);
			expect(pages.slice(0, -1).every((p) => p.length === 25), query).toBe(true);
		}
	});

	it('keeps its pages stable while new runs arrive', async () => {
		const query = `initiator=${people[0]}`;
		const before = await expected('initiator = $1', [people[0]]);
		let added = 0;
		const pages = await pageThrough(query, async () => {
			// A new run between every two pages: it is newer than any cursor, so no later page may show it or shift.
			await insertRunRows(db, { count: 3, initiators: [people[0]], targets: places, from: new Date(), to: new Date(Date.now() + 1000) });
			added += 3;
		});
		expect(pages.flat()).toEqual(before);
		expect((await expected('initiator = $1', [people[0]])).length).toBe(before.length + added);
	});

	it('goes back a page with after= and lands on the newest page near the top', async () => {
		const query = `initiator=${people[1]}`;
		const first = (await admin.json<ListJson>('GET', `/api/v1/runs?${query}&limit=25`)).body;
		expect(first.newer).toBeNull();
		const second = (await admin.json<ListJson>('GET', `/api/v1/runs?${query}&limit=25&before=${first.older}`)).body;
		const third = (await admin.json<ListJson>('GET', `/api/v1/runs?${query}&limit=25&before=${second.older}`)).body;
		expect(third.newer).toBe(third.runs[0].id);
		const back = (await admin.json<ListJson>('GET', `/api/v1/runs?${query}&limit=25&after=${third.newer}`)).body;
		expect(back.runs.map((r) => r.id)).toEqual(second.runs.map((r) => r.id));
		const top = (await admin.json<ListJson>('GET', `/api/v1/runs?${query}&limit=25&after=${first.runs[20].id}`)).body;
		expect(top.runs.map((r) => r.id)).toEqual(first.runs.map((r) => r.id));
		expect(top.newer).toBeNull();
	});

	it('counts days in the time zone given, as PostgreSQL does', async () => {
		const [{ day }] = (await db.query<{ day: string }>(`select to_char((created_at at time zone 'Asia/Tokyo')::date, 'YYYY-MM-DD') as day from runs where initiator = $1 order by created_at desc offset 40 limit 1`, [people[2]])).rows;
		const want = await expected(
			"initiator = $1 and created_at >= ($2::date)::timestamp at time zone 'Asia/Tokyo' and created_at < ($2::date + 2)::timestamp at time zone 'Asia/Tokyo'",
			[people[2], day]
		);
		const next = new Date(Date.parse(`${day}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
		const got = (await pageThrough(`initiator=${people[2]}&from=${day}&to=${next}&tz=Asia/Tokyo`)).flat();
		expect(want.length).toBeGreaterThan(0);
		expect(got).toEqual(want);
	});

	it('refuses values it cannot use with their fields, and the page shows an empty state with a way out', async () => {
		const bad = await admin.json<{ errors: Array<{ path: string }> }>('GET', '/api/v1/runs?status=exploded&from=yesterday&tz=Mars/Olympus');
		expect(bad.status).toBe(400);
		expect(bad.body.errors.map((e) => e.path).sort()).toEqual(['from', 'status', 'tz']);

		const page = await admin.request('GET', `/runs?initiator=${people[0]}&status=succeeded`);
		expect(page.status).toBe(200);
		const html = await page.text();
		const first = (await expected("initiator = $1 and status = 'succeeded'", [people[0]])).slice(0, 25);
		for (const id of first) expect(html).toContain(`/runs/${id}`);
		const none = await (await admin.request('GET', `/runs?initiator=${people[0]}&target=nowhere-${tag}`)).text();
		expect(none).toContain('No runs match these filters');
		expect(none).toContain('Clear filters');
	});
});
