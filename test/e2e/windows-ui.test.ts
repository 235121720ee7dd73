import { randomBytes } from 'node:crypto';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loginAsAdmin } from '../helpers/api.ts';
import { collectPageErrors, launchBrowser, screenshot, signInAsAdmin } from '../helpers/browser.ts';

const suffix = randomBytes(3).toString('hex');
const utcText = (ms: number) => new Date(ms).toISOString().slice(0, 16);

describe('the maintenance calendar page', () => {
	let browser: Browser;
	beforeAll(async () => {
		browser = await launchBrowser();
	});
	afterAll(async () => {
		await browser?.close();
	});

	it('lists windows with where they stand and their next openings in the viewer’s time zone', async () => {
		// A freeze in force now, held to a target of its own so no other test's runs are frozen.
		const now = Date.now();
		const freeze = `apiVersion: tend/v1
kind: Window
metadata: { name: release-freeze-${suffix}, title: Release freeze, description: No changes while the release settles. }
spec:
  kind: freeze
  timezone: UTC
  targets: [ui-demo-${suffix}]
  ranges:
    - { from: "${utcText(now - 86_400_000)}", to: "${utcText(now + 3 * 86_400_000)}", reason: Release 4.2 }
`;
		const admin = await loginAsAdmin();
		expect((await admin.send('POST', '/api/v1/windows', freeze, 'application/yaml')).status).toBe(201);

		const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, timezoneId: 'America/New_York', locale: 'en-US' });
		const page = await context.newPage();
		const errors = collectPageErrors(page);
		await signInAsAdmin(page);

		await page.getByRole('navigation').getByRole('link', { name: 'Calendar' }).click();
		await page.waitForURL(/\/windows$/);
		await expect.poll(() => page.getByRole('heading', { name: 'Maintenance calendar' }).count()).toBe(1);

		const weekend = page.getByRole('row', { name: /Weekend nights/ });
		await expect.poll(() => weekend.textContent()).toContain('Europe/Berlin');
		const openings = weekend.locator('td.openings li');
		expect(await openings.count()).toBe(3);
		// 22:00 on the Berlin clock, shown on the viewer's New York clock.
		const first = openings.first().locator('time').first();
		const instant = new Date((await first.getAttribute('datetime')) ?? '');
		const shown = (timeZone: string) => new Intl.DateTimeFormat('en-US', { dateStyle: 'medium', timeStyle: 'short', timeZone }).format(instant);
		expect(shown('Europe/Berlin')).toMatch(/10:00\s?PM$/);
		await expect.poll(() => first.textContent()).toBe(shown('America/New_York'));
		expect(shown('America/New_York')).not.toBe(shown('Europe/Berlin'));

		const frozen = page.getByRole('row', { name: /Release freeze/ });
		expect(await frozen.textContent()).toContain('In force');
		expect(await frozen.textContent()).toContain('Release 4.2');

		await screenshot(page, 'maintenance-calendar');
		expect(errors).toEqual([]);
		await context.close();
	});
});
