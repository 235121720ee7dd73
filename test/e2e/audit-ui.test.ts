import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loginAsAdmin, webUrl, type ApiClient } from '../helpers/api.ts';
import { seriousViolations } from '../helpers/axe.ts';
import { collectPageErrors, launchBrowser, screenshot, signIn, signInAsAdmin } from '../helpers/browser.ts';
import { createPerson, uniqueName } from '../helpers/people.ts';

describe('Admin → Audit log in the browser', () => {
	let browser: Browser;
	let admin: ApiClient;
	const contexts: BrowserContext[] = [];
	const newPage = async (locale = 'en-GB') => {
		const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale });
		contexts.push(context);
		const page = await context.newPage();
		return { page, errors: collectPageErrors(page) };
	};
	beforeAll(async () => {
		[browser, admin] = await Promise.all([launchBrowser(), loginAsAdmin()]);
	});
	afterAll(async () => {
		for (const context of contexts) await context.close();
		await browser?.close();
	});

	it('filters by subject and action, verifies the chain with a visible verdict, and offers the signed export', async () => {
		const username = uniqueName('seen');
		expect((await admin.json('POST', '/api/v1/users', { username, password: 'velvet orchard sixty kites', roles: ['viewer'] })).status).toBe(201);
		expect((await admin.json('PATCH', `/api/v1/users/${username}`, { disabled: true })).status).toBe(200);
		const { page, errors } = await newPage();
		await signInAsAdmin(page);
		await page.getByRole('link', { name: 'Audit log' }).click();
		await page.waitForURL(`${webUrl()}/admin/audit`);
		await page.getByLabel('Subject').fill(`user:${username}`);
		await page.getByRole('button', { name: 'Filter', exact: true }).click();
		await page.waitForURL(/subject=user%3A/);
		const rows = page.getByRole('region', { name: 'Audit entries' }).locator('tbody tr');
		await expect.poll(() => rows.count()).toBeGreaterThanOrEqual(2);
		expect(await rows.allTextContents()).toEqual(expect.arrayContaining([expect.stringContaining('user.create')]));
		// Clicking an action in the table narrows to it, keeping the subject.
		await rows.filter({ hasText: 'user.create' }).getByRole('link', { name: 'user.create' }).click();
		await page.waitForURL(/action=user.create/);
		await expect.poll(() => rows.count()).toBe(1);

		await page.getByRole('button', { name: 'Verify the chain' }).click();
		await expect.poll(() => page.getByTestId('verdict').textContent()).toMatch(/Chain intact: \d+ entries checked\./);
		expect(await seriousViolations(page)).toEqual([]);
		await screenshot(page, 'audit-log-filtered-verified');

		const download = page.waitForEvent('download');
		await page.getByRole('link', { name: 'Export these, signed' }).click();
		const file = await (await download).createReadStream();
		const chunks: Buffer[] = [];
		for await (const chunk of file) chunks.push(chunk as Buffer);
		const exported = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { content: string; signature: { algorithm: string } };
		expect(exported.signature.algorithm).toBe('Ed25519');
		expect(JSON.parse(exported.content)).toMatchObject({ filters: { subject: `user:${username}`, action: 'user.create' } });
		expect(errors).toEqual([]);
	});

	it('speaks Chinese, passes axe, and is not for anyone but an admin', async () => {
		const { page, errors } = await newPage();
		await signInAsAdmin(page);
		// The language cookie, as the language switch sets it.
		await page.context().addCookies([{ name: 'tend_lang', value: 'zh', url: webUrl() }]);
		await page.goto(`${webUrl()}/admin/audit`);
		expect(await page.getByRole('heading', { level: 1 }).textContent()).toContain('审计日志');
		await page.getByRole('button', { name: '校验哈希链' }).click();
		await expect.poll(() => page.getByTestId('verdict').textContent()).toMatch(/哈希链完整/);
		expect(await seriousViolations(page)).toEqual([]);
		await screenshot(page, 'audit-log-zh');
		expect(errors).toEqual([]);

		const viewer = await createPerson(admin, 'auditpeek', ['viewer']);
		const other = await newPage();
		await signIn(other.page, viewer.username, viewer.password);
		const response = await other.page.goto(`${webUrl()}/admin/audit`);
		expect(response?.status()).toBe(403);
		expect(await other.page.getByRole('link', { name: 'Audit log' }).count()).toBe(0);
	});
});
