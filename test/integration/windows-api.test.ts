import { ApplicationFailure } from '@temporalio/common';
import { randomBytes } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWindowActivities } from '../../activities/windows.ts';
import { createDb, type Db } from '../../db/client.ts';
import { auditLog } from '../../db/schema/index.ts';
import { installBuiltInWindows } from '../../dev/bootstrap.ts';
import { putWindow } from '../../shared/window-store.ts';
import { login, loginAsAdmin, type ApiClient } from '../helpers/api.ts';

/** Names unique to this run, so a second run against a kept stack starts clean. */
const suffix = randomBytes(3).toString('hex');
const names = { night: `night-${suffix}`, yearEnd: `year-end-${suffix}`, audit: `audit-${suffix}`, other: `other-${suffix}` };
const target = `crm-${suffix}`;

const NIGHT = `apiVersion: tend/v1
kind: Window
metadata: { name: ${names.night}, title: Saturday night }
spec:
  kind: maintenance
  timezone: Asia/Shanghai
  weekly:
    - days: [sat]
      start: "22:00"
      duration: 6h
`;

const freeze = (name: string, timezone: string, from: string, to: string, reason: string, targets?: string[]) => `apiVersion: tend/v1
kind: Window
metadata: { name: ${name}, title: ${reason} }
spec:
  kind: freeze
  timezone: ${timezone}
${targets ? `  targets: [${targets.join(', ')}]\n` : ''}  ranges:
    - { from: "${from}", to: "${to}", reason: ${reason} }
`;

interface ProblemBody {
	status: number;
	errors: Array<{ path: string; line: number; column: number; message: string }>;
}

interface WindowBody {
	name: string;
	kind: string;
	timezone: string;
	document: { metadata: { name: string } };
	state: { open?: boolean; inForce?: boolean; until?: string };
	nextOpenings: Array<{ start: string; end: string }>;
}

describe('windows through the API, and the windows.check activity', () => {
	let admin: ApiClient;
	let db: Db;
	const put = (body: string, contentType = 'application/yaml') => admin.send('POST', '/api/v1/windows', body, contentType);
	const check = (input: Parameters<ReturnType<typeof createWindowActivities>['windows.check']>[0]) => createWindowActivities({ db })['windows.check'](input);

	beforeAll(async () => {
		admin = await loginAsAdmin();
		const url = process.env.TEST_APP_DATABASE_URL;
		if (!url) throw new Error('TEST_APP_DATABASE_URL is not set: run this suite through `npm test`');
		db = createDb(url, { max: 2 });
	});
	afterAll(async () => {
		await db?.$client.end();
	});

	it('defines a maintenance window from YAML, audits it once, and shows where it stands and its next openings', async () => {
		const created = await put(NIGHT);
		expect(created.status).toBe(201);
		expect(created.headers.get('location')).toBe(`/api/v1/windows/${names.night}`);
		expect(await created.json()).toEqual({ name: names.night, changed: true });
		const again = await put(NIGHT);
		expect(again.status).toBe(200);
		expect(await again.json()).toEqual({ name: names.night, changed: false });
		const audits = await db.select().from(auditLog).where(and(eq(auditLog.action, 'window.put'), eq(auditLog.subject, `window:${names.night}`)));
		expect(audits).toHaveLength(1);
		expect(audits[0]).toMatchObject({ actor: 'admin', details: { kind: 'maintenance', created: true, format: 'yaml' } });

		const { status, body } = await admin.json<WindowBody>('GET', `/api/v1/windows/${names.night}`);
		expect(status).toBe(200);
		expect(body).toMatchObject({ name: names.night, kind: 'maintenance', timezone: 'Asia/Shanghai', document: { metadata: { name: names.night } } });
		expect(body.nextOpenings).toHaveLength(5);
		for (const [i, opening] of body.nextOpenings.entries()) {
			// Saturday 22:00 in Shanghai (UTC+8, no daylight saving) is Saturday 14:00 UTC, every week.
			expect(new Date(opening.start).getUTCDay()).toBe(6);
			expect(opening.start.slice(11)).toBe('14:00:00.000Z');
			expect(Date.parse(opening.end) - Date.parse(opening.start)).toBe(6 * 3_600_000);
			if (i > 0) expect(Date.parse(opening.start) - Date.parse(body.nextOpenings[i - 1].start)).toBe(7 * 86_400_000);
		}
		expect(body.state.until).toBe(body.state.open ? body.nextOpenings[0].end : body.nextOpenings[0].start);

		const list = await admin.json<{ windows: Array<{ name: string; document?: unknown }> }>('GET', '/api/v1/windows');
		expect(list.body.windows.map((w) => w.name)).toEqual(expect.arrayContaining([names.night, 'weekend-night']));
		expect((await admin.request('GET', `/api/v1/windows/missing-${suffix}`)).status).toBe(404);
	});

	it('defines freezes, from YAML and from JSON, and shows one ahead as not in force until it starts', async () => {
		expect((await put(freeze(names.yearEnd, 'UTC', '2030-12-20', '2031-01-05', 'year-end', [target]))).status).toBe(201);
		expect((await put(freeze(names.audit, 'America/New_York', '2030-12-23T00:00', '2030-12-28T00:00', 'audit'))).status).toBe(201);
		const other = {
			apiVersion: 'tend/v1',
			kind: 'Window',
			metadata: { name: names.other, title: 'Other system' },
			spec: { kind: 'freeze', timezone: 'UTC', targets: [`elsewhere-${suffix}`], ranges: [{ from: '2030-12-22', to: '2031-02-01', reason: 'migration' }] }
		};
		expect((await put(JSON.stringify(other), 'application/json')).status).toBe(201);

		const { body } = await admin.json<WindowBody>('GET', `/api/v1/windows/${names.audit}`);
		expect(body.state).toEqual({ inForce: false, until: '2030-12-23T05:00:00.000Z' });
		expect(body.nextOpenings).toEqual([{ start: '2030-12-23T05:00:00.000Z', end: '2030-12-28T05:00:00.000Z' }]);
	});

	it('installs built-in windows only where none of that name exists, so an admin’s edit survives a restart', async () => {
		expect(await installBuiltInWindows(db)).toEqual([]);
		const edited = NIGHT.replace('"22:00"', '"23:00"');
		expect(await putWindow(db, edited, 'application/yaml', { username: 'system' }, { keepExisting: true })).toEqual({ ok: true, name: names.night, changed: false, created: false });
		const { body } = await admin.json<WindowBody>('GET', `/api/v1/windows/${names.night}`);
		expect(body.nextOpenings[0].start.slice(11)).toBe('14:00:00.000Z');
	});

	it('rejects invalid windows with the path, line and column of each problem, and changes nothing', async () => {
		const badZone = await put(NIGHT.replace(names.night, `bad-${suffix}`).replace('Asia/Shanghai', 'Asia/Shanghia'));
		expect(badZone.status).toBe(422);
		expect(badZone.headers.get('content-type')).toContain('application/problem+json');
		expect(((await badZone.json()) as ProblemBody).errors).toEqual([expect.objectContaining({ path: 'spec.timezone', line: 6, column: 13 })]);

		const badClock = await put(NIGHT.replace(names.night, `bad-${suffix}`).replace('"22:00"', '"24:00"'));
		expect(((await badClock.json()) as ProblemBody).errors).toEqual([expect.objectContaining({ path: 'spec.weekly[0].start', line: 9, column: 14 })]);

		const badYaml = await put(NIGHT.replace(names.night, `bad-${suffix}`).replace('days: [sat]', 'days: [sat'));
		expect(badYaml.status).toBe(422);
		expect(((await badYaml.json()) as ProblemBody).errors[0]).toMatchObject({ line: expect.any(Number), column: expect.any(Number) });

		expect((await admin.request('GET', `/api/v1/windows/bad-${suffix}`)).status).toBe(404);
		expect((await put(NIGHT, 'text/plain')).status).toBe(415);
	});

	it('lets readers read windows and only authors define them', async () => {
		const password = randomBytes(12).toString('base64url');
		const username = `window-viewer-${suffix}`;
		expect((await admin.json('POST', '/api/v1/users', { username, password, roles: ['viewer'], email: `${username}@example.test` })).status).toBe(201);
		const viewer = await login(username, password);
		expect((await viewer.request('GET', `/api/v1/windows/${names.night}`)).status).toBe(200);
		expect((await viewer.send('POST', '/api/v1/windows', NIGHT, 'application/yaml')).status).toBe(403);
	});

	it('publishes a runbook only when the windows it names are defined', async () => {
		const runbook = (window: string, waitFor: string) => `apiVersion: tend/v1
kind: Runbook
metadata: { name: windowed-${suffix}, title: Windowed }
spec:
  window: ${window}
  steps:
    - id: hold
      uses: wait
      with: { window: ${waitFor} }
    - id: tell
      uses: notify
      with: { to: [role:admin], subject: hello }
`;
		const unknown = await admin.send('POST', '/api/v1/runbooks', runbook(`nigth-${suffix}`, `nowhere-${suffix}`), 'application/yaml');
		expect(unknown.status).toBe(422);
		const { errors } = (await unknown.json()) as ProblemBody;
		expect(errors).toEqual(
			expect.arrayContaining([
				expect.objectContaining({ path: 'spec.window', line: 5, message: expect.stringContaining(names.night) }),
				expect.objectContaining({ path: 'spec.steps[0].with.window', line: 9 })
			])
		);

		const known = runbook(names.night, names.night).replace(/ {4}- id: hold\n.*\n.*\n/, '');
		expect((await admin.send('POST', '/api/v1/runbooks', known, 'application/yaml')).status).toBe(201);
	});

	it('windows.check describes the named maintenance window, open or closed', async () => {
		// Saturday 23:00 in Shanghai.
		expect(await check({ window: names.night, at: '2025-06-07T15:00:00Z' })).toEqual({
			at: '2025-06-07T15:00:00.000Z',
			maintenance: { name: names.night, open: true, closesAt: '2025-06-07T20:00:00.000Z' },
			freeze: null
		});
		expect((await check({ window: names.night, at: '2025-06-09T00:00:00Z' })).maintenance).toEqual({
			name: names.night,
			open: false,
			opensAt: '2025-06-14T14:00:00.000Z',
			closesAt: '2025-06-14T20:00:00.000Z'
		});
		// Without `at` it answers for the moment it was asked: between the call and its answer.
		const asked = Date.now();
		const now = await check({ window: 'weekend-night' });
		expect(Date.parse(now.at)).toBeGreaterThanOrEqual(asked);
		expect(Date.parse(now.at)).toBeLessThanOrEqual(Date.now());
		expect(now.maintenance?.name).toBe('weekend-night');
	});

	it('windows.check names the freeze that holds the target and lasts longest, and only freezes that apply to it', async () => {
		const at = '2030-12-24T12:00:00Z';
		expect((await check({ target, at })).freeze).toEqual({ name: names.yearEnd, reason: 'year-end', until: '2031-01-05T00:00:00.000Z' });
		expect((await check({ target: `elsewhere-${suffix}`, at })).freeze).toEqual({ name: names.other, reason: 'migration', until: '2031-02-01T00:00:00.000Z' });
		// Without a target only freezes for every target hold a run.
		expect((await check({ at })).freeze).toEqual({ name: names.audit, reason: 'audit', until: '2030-12-28T05:00:00.000Z' });
		const after = (await check({ target, at: '2031-01-05T00:00:00Z' })).freeze;
		expect([names.yearEnd, names.audit, names.other]).not.toContain(after?.name);
	});

	it('windows.check fails for good when the window does not exist', async () => {
		const failure = await check({ window: `missing-${suffix}` }).catch((error: unknown) => error);
		expect(failure).toBeInstanceOf(ApplicationFailure);
		expect(failure).toMatchObject({ type: 'WindowNotFound', nonRetryable: true, message: expect.stringContaining(`missing-${suffix}`) });
	});
});
