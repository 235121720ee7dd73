import { randomBytes } from 'node:crypto';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { login, loginAsAdmin, webUrl } from '../helpers/api.ts';
import { collectPageErrors, launchBrowser, screenshot, signInAsAdmin } from '../helpers/browser.ts';
import { withClient } from '../helpers/postgres.ts';

const suffix = randomBytes(4).toString('hex');
const id = (name: string) => `bk-ui-${suffix}-${name}`;
const day = 86_400_000;
const now = Date.now();

/** Catalogue rows as the backup, verify and prune steps leave them; the page reads only the catalogue. */
const ROWS = [
	{ id: id('nightly'), format: 'custom', size: 48_300_000, startedAt: now - 3_600_000, durationMs: 8_400, verified: true, offsite: true, pruned: false },
	{ id: id('parallel'), format: 'directory', size: 51_200_000, startedAt: now - day, durationMs: 5_100, verified: false, offsite: true, pruned: false },
	{ id: id('old'), format: 'custom', size: 47_900_000, startedAt: now - 40 * day, durationMs: 9_000, verified: true, offsite: true, pruned: true }
];

describe('the backup catalogue on a target page', () => {
	let browser: Browser;
	beforeAll(async () => {
		browser = await launchBrowser();
		await withClient(process.env.TEST_APP_DATABASE_URL!, async (c) => {
			for (const r of ROWS) {
				await c.query(
					`insert into backups (id, target, database, format, path, size_bytes, sha256, started_at, duration_ms, verified_at, offsite_path, pruned_at)
					 values ($1, 'crm-demo', 'main', $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
					[r.id, r.format, `/nowhere/${r.id}`, r.size, randomBytes(32).toString('hex'), new Date(r.startedAt), r.durationMs, r.verified ? new Date(r.startedAt + 600_000) : null, r.offsite ? `/offsite/${r.id}` : null, r.pruned ? new Date(now - day) : null]
				);
			}
		});
	});
	afterAll(async () => {
		await browser?.close();
	});

	it('lists each backup with its format, size, checksum, timing, verification, offsite copy and pruning', async () => {
		const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
		const errors = collectPageErrors(page);
		await signInAsAdmin(page);
		await page.goto(`${webUrl()}/targets/crm-demo`);
		const catalogue = page.getByRole('region', { name: 'Backup catalogue' });
		await catalogue.scrollIntoViewIfNeeded();
		await screenshot(page, 'backup-catalogue');

		// Text as written, not as CSS capitalises it.
		const headers = (await catalogue.locator('th').allTextContents()).map((h) => h.trim());
		expect(headers).toEqual(['Backup', 'Database', 'Size', 'SHA-256', 'Started', 'Duration', 'Verified', 'Offsite', 'Pruned']);
		const cells = async (backupId: string) => catalogue.locator(`tr[data-backup-id="${backupId}"] td`).allInnerTexts();
		const [nightly, parallel, old] = await Promise.all(ROWS.map((r) => cells(r.id)));
		expect(nightly.slice(1, 4)).toEqual(['main · custom', '46.1 MiB', expect.stringMatching(/^[0-9a-f]{12}$/)]);
		expect(nightly[5]).toBe('8.4 s');
		expect(nightly[6]).toMatch(/^✓/);
		expect(nightly.slice(7)).toEqual(['✓ copied', 'kept']);
		expect(parallel[1]).toBe('main · directory');
		expect(parallel.slice(6)).toEqual(['not verified', '✓ copied', 'kept']);
		expect(old[8]).toMatch(/\d{4}/);
		expect(await catalogue.locator('.hint').textContent()).toMatch(/^\d+ kept, [\d.]+ MiB · \d+ pruned by retention · newest first$/);
		expect(errors).toEqual([]);
	});

	it('shows the catalogue to those who may read runbooks, and not to members', async () => {
		const admin = await loginAsAdmin();
		const password = randomBytes(12).toString('base64url');
		for (const [username, role] of [[`viewer-${suffix}`, 'viewer'], [`member-${suffix}`, 'member']] as const) {
			expect((await admin.json('POST', '/api/v1/users', { username, password, roles: [role], email: `${username}@example.test` })).status).toBe(201);
		}
		const pageFor = async (username: string) => (await (await login(username, password)).request('GET', '/targets/crm-demo')).text();
		const [viewerPage, memberPage] = await Promise.all([pageFor(`viewer-${suffix}`), pageFor(`member-${suffix}`)]);
		expect(viewerPage).toContain('Backup catalogue');
		expect(viewerPage).toContain(ROWS[0].id);
		// A member is refused the target page itself, as GET /api/v1/targets/{name} refuses them (issue 12, hole 8).
		expect(memberPage).toContain('This needs');
		expect(memberPage).not.toContain('Backup catalogue');
		expect(memberPage).not.toContain(ROWS[0].id);
	});
});
