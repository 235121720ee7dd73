import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loginAsAdmin, webUrl, type ApiClient } from '../helpers/api.ts';
import { seriousViolations } from '../helpers/axe.ts';
import { collectPageErrors, launchBrowser, screenshot, signIn } from '../helpers/browser.ts';
import { createPerson, uniqueName, type Person } from '../helpers/people.ts';

/** The feedback pages as people use them: submit from the top bar, the board and its filters, triage on the item page. */
describe('feedback in the browser', () => {
	let browser: Browser;
	let admin: ApiClient;
	let member: Person;
	let triager: Person;
	const target = uniqueName('fb-ui');
	const contexts: BrowserContext[] = [];
	const newPage = async (locale = 'en-GB') => {
		const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale });
		contexts.push(context);
		const page = await context.newPage();
		return { page, errors: collectPageErrors(page) };
	};

	beforeAll(async () => {
		[browser, admin] = await Promise.all([launchBrowser(), loginAsAdmin()]);
		[member, triager] = await Promise.all([createPerson(admin, 'fb-ui-member', ['member']), createPerson(admin, 'fb-ui-triager', ['operator'])]);
		expect((await admin.json('POST', '/api/v1/targets', { apiVersion: 'tend/v1', kind: 'Target', metadata: { name: target, title: 'Feedback UI target' }, spec: { databases: {} } })).status).toBe(201);
	});
	afterAll(async () => {
		for (const context of contexts) await context.close();
		await browser?.close();
	});

	it('lets a member submit from the top bar and see the item and their board', async () => {
		const { page, errors } = await newPage();
		await signIn(page, member.username, member.password);
		await page.getByRole('link', { name: 'Submit feedback' }).first().click();
		await page.waitForURL(/\/feedback\/new/);
		expect(await seriousViolations(page)).toEqual([]);
		await page.getByLabel('Target').selectOption(target);
		await page.getByLabel('Request').check();
		await page.getByLabel('Title').fill('Export invoices as PDF');
		await page.getByLabel('Details').fill('Finance needs PDFs for the auditors.');
		await screenshot(page, 'feedback-submit');
		await page.getByRole('button', { name: 'Submit', exact: true }).click();
		await page.waitForURL(/\/feedback\/[0-9a-f-]{36}$/);
		expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Export invoices as PDF');
		await page.getByLabel('Comment').fill(`@${triager.username} this blocks the audit`);
		await page.getByRole('button', { name: 'Add comment' }).click();
		await expect.poll(() => page.getByText('this blocks the audit').count(), { timeout: 15_000 }).toBe(1);
		expect(await page.getByRole('heading', { name: 'Triage' }).count()).toBe(0);
		expect(await seriousViolations(page)).toEqual([]);
		await screenshot(page, 'feedback-item-member');

		await page.goto(`${webUrl()}/feedback`);
		expect(await page.locator('tr[data-feedback]').count()).toBe(1);
		expect(await seriousViolations(page)).toEqual([]);
		expect(errors).toEqual([]);
	});

	it('lets a triager filter the board and move an item on, and reads in Chinese', async () => {
		const { page, errors } = await newPage();
		await signIn(page, triager.username, triager.password);
		await page.goto(`${webUrl()}/feedback?target=${target}&type=request`);
		expect(await page.locator('tr[data-feedback]').count()).toBe(1);
		await screenshot(page, 'feedback-board');
		await page.getByRole('link', { name: 'Export invoices as PDF' }).click();
		await page.waitForURL(/\/feedback\/[0-9a-f-]{36}$/);
		await page.getByLabel('Status').selectOption('planned');
		await page.getByLabel('Priority').selectOption('high');
		await page.getByRole('button', { name: 'Save' }).click();
		await expect.poll(() => page.locator('[data-event="status"]').count(), { timeout: 15_000 }).toBe(1);
		expect(await page.locator('[data-event="priority"]').count()).toBe(1);
		expect(await seriousViolations(page)).toEqual([]);
		await screenshot(page, 'feedback-item-triager');
		expect(errors).toEqual([]);

		const zh = await newPage();
		// Signed in first: the sign-in helper reads the English form.
		await signIn(zh.page, triager.username, triager.password);
		await zh.page.context().addCookies([{ name: 'tend_lang', value: 'zh', url: webUrl() }]);
		await zh.page.goto(`${webUrl()}/feedback?target=${target}`);
		expect(await zh.page.getByRole('heading', { level: 1 }).textContent()).toBe('反馈');
		expect(await seriousViolations(zh.page)).toEqual([]);
		await screenshot(zh.page, 'feedback-board-zh');
	});
});
