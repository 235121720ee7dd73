import { randomBytes } from 'node:crypto';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunView } from '../../web/src/lib/run-types.ts';
import { loginAsAdmin, runEnded, webUrl, type ApiClient } from '../helpers/api.ts';
import { collectPageErrors, launchBrowser, screenshot } from '../helpers/browser.ts';
import { startWorker, type TestWorker } from '../helpers/worker.ts';

/** An operator told by two runbook steps finds them under the bell and reads them. */
describe('in-app notifications in the browser', () => {
	let browser: Browser;
	let worker: TestWorker;
	let admin: ApiClient;
	let page: Page;
	let errors: string[];
	const suffix = randomBytes(3).toString('hex');
	const username = `nora-${suffix}`;
	const password = `pw-${randomBytes(9).toString('hex')}`;

	beforeAll(async () => {
		[browser, worker, admin] = await Promise.all([launchBrowser(), startWorker(), loginAsAdmin()]);
		expect((await admin.json('POST', '/api/v1/users', { username, password, roles: ['operator'], email: `${username}@example.test` })).status).toBe(201);
		const name = `ui-notify-${suffix}`;
		const steps = [
			{ id: 'backup-done', uses: 'notify', with: { to: [`user:${username}`], channel: 'in-app', subject: 'Nightly backup of the CRM verified', body: 'Backup bk-2291 restored in 41 s; 6 tables compared, no mismatches.' } },
			{ id: 'update-planned', uses: 'notify', with: { to: [`user:${username}`], channel: 'in-app', subject: 'CRM 1.3 goes out on Saturday night', body: 'The CRM will be read-only from 22:00 to 23:00.\nSave your work before then.' } }
		];
		expect([200, 201]).toContain((await admin.json('POST', '/api/v1/runbooks', { apiVersion: 'tend/v1', kind: 'Runbook', metadata: { name, title: name }, spec: { steps } })).status);
		const { body } = await admin.json<{ id: string }>('POST', `/api/v1/runbooks/${name}/runs`, { inputs: {} });
		expect((await runEnded<RunView>(admin, body.id)).status).toBe('succeeded');

		page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
		errors = collectPageErrors(page);
		await page.goto(`${webUrl()}/login`);
		await page.getByLabel('Username').fill(username);
		await page.getByLabel('Password').fill(password);
		await page.getByRole('button', { name: 'Sign in' }).click();
		await page.waitForURL(`${webUrl()}/`);
	});
	afterAll(async () => {
		await browser?.close();
		await worker?.stop();
	});

	const bell = () => page.getByRole('link', { name: /^Notifications/ });

	it('shows the unread count on the bell, lists the notices, and marks them read', async () => {
		await expect.poll(() => bell().getAttribute('aria-label')).toBe('Notifications, 2 unread');
		expect(await bell().textContent()).toContain('2');
		await screenshot(page, 'notifications-bell');

		await bell().click();
		await page.waitForURL(`${webUrl()}/notifications`);
		const items = page.locator('[data-notification]');
		await expect.poll(() => items.count()).toBe(2);
		expect(await items.first().textContent()).toContain('CRM 1.3 goes out on Saturday night');
		expect(await page.getByRole('link', { name: 'Open the run' }).count()).toBe(2);
		await screenshot(page, 'notifications-page');

		await page.getByRole('button', { name: 'Mark “CRM 1.3 goes out on Saturday night” read' }).click();
		await expect.poll(() => bell().getAttribute('aria-label')).toBe('Notifications, 1 unread');
		await page.getByRole('button', { name: 'Mark all read' }).click();
		await page.getByRole('status').filter({ hasText: 'Marked 1 notification read.' }).waitFor();
		await expect.poll(() => bell().getAttribute('aria-label')).toBe('Notifications');
		expect(await page.locator('[data-unread-count]').count()).toBe(0);
		await screenshot(page, 'notifications-all-read');

		expect(errors).toEqual([]);
	});
});
