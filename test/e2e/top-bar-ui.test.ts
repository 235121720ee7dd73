import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seriousViolations } from '../helpers/axe.ts';
import { launchBrowser, screenshot, signInAsAdmin } from '../helpers/browser.ts';

describe('the top bar on a narrow window', () => {
	let browser: Browser;
	beforeAll(async () => {
		browser = await launchBrowser();
	});
	afterAll(async () => {
		await browser?.close();
	});

	it('keeps every link in sight at 820 px, Targets, Outbox, Users and Emergency stop included', async () => {
		const context = await browser.newContext({ viewport: { width: 820, height: 900 }, locale: 'en-GB' });
		const page = await context.newPage();
		await signInAsAdmin(page);
		const nav = page.getByRole('navigation', { name: 'Main' });
		for (const name of ['Dashboard', 'Runbooks', 'Runs', 'Approvals', 'Targets', 'Outbox', 'Users', 'Emergency stop']) {
			const link = nav.getByRole('link', { name, exact: false }).first();
			const box = await link.boundingBox();
			expect(box, name).not.toBeNull();
			// Inside the window without scrolling the bar sideways: nothing is hidden past its edge.
			expect(box!.x, name).toBeGreaterThanOrEqual(0);
			expect(box!.x + box!.width, name).toBeLessThanOrEqual(820);
		}
		expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(820);
		expect(await seriousViolations(page)).toEqual([]);
		await screenshot(page, 'top-bar-820');
		await context.close();
	});
});
