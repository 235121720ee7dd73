import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminPassword, webUrl } from '../helpers/api.ts';
import { collectPageErrors, launchBrowser, screenshot } from '../helpers/browser.ts';
import { startWorker, type TestWorker } from '../helpers/worker.ts';

describe('an admin runs the nightly backup from the browser', () => {
	let browser: Browser;
	let worker: TestWorker;
	beforeAll(async () => {
		[browser, worker] = await Promise.all([launchBrowser(), startWorker()]);
	});
	afterAll(async () => {
		await browser?.close();
		await worker?.stop();
	});

	it('logs in, opens the demo CRM, starts the runbook and watches every step turn to success', async () => {
		const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
		const errors = collectPageErrors(page);

		await page.goto(webUrl());
		await page.waitForURL(/\/login/);
		await page.getByLabel('Username').fill('admin');
		await page.getByLabel('Password').fill(adminPassword());
		await page.getByRole('button', { name: 'Sign in' }).click();
		await page.waitForURL(`${webUrl()}/`);
		await screenshot(page, 'dashboard');

		await page.getByRole('navigation').getByRole('link', { name: 'Targets' }).click();
		await page.getByRole('link', { name: 'Demo CRM' }).first().click();
		await page.waitForURL(/\/targets\/crm-demo$/);
		await screenshot(page, 'target-crm-demo');
		await page.getByRole('row', { name: /CRM nightly backup/ }).getByRole('button', { name: 'Start run' }).click();
		await page.waitForURL(/\/runs\/[0-9a-f-]{36}$/);

		// The page updates by itself: record what each step showed until the run is over.
		const summary = page.getByRole('region', { name: 'Run summary' });
		const seen = new Set<string>();
		const deadline = Date.now() + 180_000;
		let finalStatus = '';
		while (Date.now() < deadline) {
			const statuses = await page.locator('[data-step-id]').evaluateAll((items) => items.map((item) => `${item.getAttribute('data-step-id')}:${item.getAttribute('data-status')}`));
			statuses.forEach((s) => seen.add(s));
			finalStatus = (await page.locator('[data-run-status]').first().getAttribute('data-run-status')) ?? '';
			if (['succeeded', 'failed', 'rolled_back', 'rollback_incomplete', 'cancelled'].includes(finalStatus)) break;
			await page.waitForTimeout(200);
		}
		await screenshot(page, 'run-succeeded');
		expect(finalStatus).toBe('succeeded');
		expect(await summary.isVisible()).toBe(true);
		for (const step of ['backup', 'verify', 'notify']) expect(seen).toContain(`${step}:succeeded`);
		// Watched live, not only loaded at the end: at least one step was seen before it finished.
		expect([...seen].some((s) => /:(pending|running)$/.test(s))).toBe(true);

		await page.getByRole('navigation').getByRole('link', { name: 'Outbox' }).click();
		await expect.poll(() => page.getByText(/CRM nightly backup bk-/).count()).toBeGreaterThan(0);
		await screenshot(page, 'outbox');
		expect(errors).toEqual([]);
	});
});
