import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminPassword, webUrl } from '../helpers/api.ts';
import { collectPageErrors, launchBrowser, screenshot } from '../helpers/browser.ts';

/**
 * A browser that asks for Chinese gets the app in Chinese — the pages around runbooks and runs as
 * well as the shell — and the language switch in the top bar changes it in place and for good.
 * Each page lists English UI strings it used to show: none of them may be left.
 */
const PAGES: Array<{ path: string; name: string; heading: string; english: string[] }> = [
	{ path: '/', name: 'dashboard', heading: '仪表盘', english: ['Latest runs', 'Latest backup per target', 'In progress', 'Runs, last 7 days', 'Start a run', 'Duration'] },
	{ path: '/targets', name: 'targets', heading: '目标系统', english: ['Health check', 'Latest backup', 'Databases', 'none yet'] },
	{ path: '/targets/crm-demo', name: 'target', heading: 'Demo CRM', english: ['System', 'Connections', 'Test connection', 'Backup catalogue', 'Retention', 'Runbooks for this target', 'keep everything'] },
	{ path: '/schedules', name: 'schedules', heading: '计划任务', english: ['Recurring runs', 'Schedule a runbook', 'Time zone', 'Create paused', 'Interval'] },
	{ path: '/windows', name: 'calendar', heading: '维护日历', english: ['Next openings', 'Applies to', 'Maintenance', 'Hours'] },
	{ path: '/admin/users', name: 'users', heading: '用户', english: ['People', 'Add a user', 'Create user', 'At least 12 characters', 'Signs off on risky steps'] },
	{ path: '/admin/emergency-stop', name: 'emergency-stop', heading: '紧急停止', english: ['No stop in force', 'Stop all risky steps', 'Recent stops'] },
	{ path: '/notifications', name: 'notifications', heading: '通知', english: ['No notifications', 'All read'] },
	{ path: '/outbox', name: 'outbox', heading: '发件箱', english: ['Received', 'Subject', 'No mail yet'] }
];

describe('the web app in Simplified Chinese', () => {
	let browser: Browser;
	let context: BrowserContext;
	let page: Page;
	let errors: string[];

	beforeAll(async () => {
		browser = await launchBrowser();
		context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });
		page = await context.newPage();
		errors = collectPageErrors(page);
	});
	afterAll(async () => {
		await browser?.close();
	});

	const main = () => page.locator('main');

	it('signs in on a Chinese login page', async () => {
		await page.goto(`${webUrl()}/login`);
		await page.getByRole('heading', { name: '登录' }).waitFor();
		await screenshot(page, 'i18n-zh-login');
		await page.getByLabel('用户名').fill('admin');
		await page.getByLabel('密码').fill(adminPassword());
		await page.getByRole('button', { name: '登录' }).click();
		await page.waitForURL(`${webUrl()}/`);
		expect(await page.locator('html').getAttribute('lang')).toBe('zh-CN');
	});

	it('shows the dashboard, targets, schedules, calendar, notifications, outbox and admin pages in Chinese', async () => {
		for (const { path, name, heading, english } of PAGES) {
			await page.goto(`${webUrl()}${path}`);
			await page.getByRole('heading', { level: 1, name: heading }).waitFor();
			const text = await main().innerText();
			for (const phrase of english) expect(text, `${path} still says "${phrase}"`).not.toContain(phrase);
			expect(text, `${path} shows no Chinese`).toMatch(/[\u4e00-\u9fff]/);
			await screenshot(page, `i18n-zh-${name}`);
		}
		// Form controls are named in Chinese too.
		await page.goto(`${webUrl()}/schedules`);
		await page.getByLabel('时区').waitFor();
		await page.getByRole('button', { name: '创建计划' }).waitFor();
		await page.goto(`${webUrl()}/targets/crm-demo`);
		await page.getByRole('button', { name: '测试连接' }).waitFor();
	});

	it('refuses a bad approval link with a plain page in Chinese', async () => {
		await page.goto(`${webUrl()}/approvals/open?run=00000000-0000-4000-8000-000000000000&step=ask&exp=9999999999&sig=${'A'.repeat(43)}`);
		await page.getByRole('heading', { level: 1, name: '审批链接无效' }).waitFor();
		expect(await main().innerText()).toContain('此审批链接无效或已过期');
		await page.getByRole('link', { name: '打开审批收件箱' }).waitFor();
		await screenshot(page, 'i18n-zh-approval-link-invalid');
	});

	it('fits a tablet in Chinese', async () => {
		await page.setViewportSize({ width: 820, height: 1000 });
		for (const path of ['/', '/schedules', '/windows']) {
			await page.goto(`${webUrl()}${path}`);
			await page.locator('h1').waitFor();
			// Nothing wider than the window: no sideways scrolling of the whole page.
			expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(820);
			await screenshot(page, `i18n-zh-tablet${path === '/' ? '-dashboard' : path.replaceAll('/', '-')}`);
		}
		await page.setViewportSize({ width: 1280, height: 900 });
	});

	it('switches to English with the language select, and the choice sticks after a reload', async () => {
		await page.goto(`${webUrl()}/schedules`);
		await page.getByRole('heading', { level: 1, name: '计划任务' }).waitFor();
		await page.getByRole('combobox', { name: '语言' }).selectOption('en');
		// In place: the page re-renders without a reload.
		await page.getByRole('heading', { level: 1, name: 'Schedules' }).waitFor();
		await page.getByRole('combobox', { name: 'Language' }).waitFor();
		expect(await main().innerText()).toContain('Recurring runs');
		expect(await main().innerText()).not.toMatch(/[\u4e00-\u9fff]{2}/);
		await page.reload();
		await page.getByRole('heading', { level: 1, name: 'Schedules' }).waitFor();
		await page.goto(`${webUrl()}/`);
		await page.getByRole('heading', { level: 1, name: 'Dashboard' }).waitFor();
		expect(await main().innerText()).toContain('Latest runs');
		expect(await page.locator('html').getAttribute('lang')).toBe('en');
		await screenshot(page, 'i18n-en-dashboard-after-switch');
		expect((await context.cookies()).find((c) => c.name === 'tend_lang')?.value).toBe('en');
	});

	it('logged no console errors', () => {
		expect(errors).toEqual([]);
	});
});
