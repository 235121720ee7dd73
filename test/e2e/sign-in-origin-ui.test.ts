import { chromium, type Browser, type BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminPassword, webUrl } from '../helpers/api.ts';
import { seriousViolations } from '../helpers/axe.ts';
import { CHROMIUM, collectPageErrors, screenshot } from '../helpers/browser.ts';

/** The same server under another loopback spelling: the stack is configured as http://localhost:PORT. */
const loopbackUrl = () => webUrl().replace('//localhost:', '//127.0.0.1:');

/**
 * Tend reached under a name that is not this site (as a LAN address or a proxy's name would be):
 * the browser resolves tend.example.org to the test stack, so the page loads and its form posts
 * carry that Origin.
 */
const otherName = 'tend.example.org';
const otherUrl = () => webUrl().replace('//localhost:', `//${otherName}:`);
const otherOrigin = () => new URL(otherUrl()).origin;

describe('signing in at another spelling of the address, and forms refused as cross-site', () => {
	let browser: Browser;
	const contexts: BrowserContext[] = [];
	const newPage = async (options: { javaScriptEnabled?: boolean } = {}) => {
		const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-GB', ...options });
		contexts.push(context);
		const page = await context.newPage();
		return { page, errors: collectPageErrors(page) };
	};

	beforeAll(async () => {
		browser = await chromium.launch({
			executablePath: CHROMIUM,
			args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', `--host-resolver-rules=MAP ${otherName} 127.0.0.1`]
		});
	});
	afterAll(async () => {
		for (const context of contexts) await context.close();
		await browser?.close();
	});

	it('signs in at http://127.0.0.1:PORT when Tend is configured as localhost', async () => {
		const { page, errors } = await newPage();
		await page.goto(`${loopbackUrl()}/login`);
		await page.getByLabel('Username').fill('admin');
		await page.getByLabel('Password').fill(adminPassword());
		await page.getByRole('button', { name: 'Sign in' }).click();
		await page.waitForURL(`${loopbackUrl()}/`);
		await expect.poll(() => page.getByRole('heading', { level: 1 }).first().textContent()).not.toContain('Sign in');
		expect(errors).toEqual([]);
		// A state-changing API call from the page rides on the cookie with the 127.0.0.1 Origin too.
		const status = await page.evaluate(async () => (await fetch('/api/v1/tokens/00000000-0000-0000-0000-000000000000', { method: 'DELETE' })).status);
		expect(status).toBe(404);
	});

	it('shows why an enhanced form was refused instead of doing nothing', async () => {
		const { page } = await newPage();
		await page.goto(`${otherUrl()}/login`);
		await page.getByLabel('Username').fill('admin');
		await page.getByLabel('Password').fill(adminPassword());
		await page.getByRole('button', { name: 'Sign in' }).click();
		await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('This form was sent from another address');
		const message = await page.locator('.message').textContent();
		expect(message).toContain(otherOrigin());
		expect(message).toContain(`Open Tend at ${webUrl()}`);
		expect(await seriousViolations(page)).toEqual([]);
		await screenshot(page, 'cross-site-form-refused');
	});

	it('shows the reason to a browser without JavaScript as well', async () => {
		const { page } = await newPage({ javaScriptEnabled: false });
		await page.goto(`${otherUrl()}/login`);
		await page.getByLabel('Username').fill('admin');
		await page.getByLabel('Password').fill(adminPassword());
		await page.getByRole('button', { name: 'Sign in' }).click();
		await expect.poll(() => page.locator('body').textContent()).toContain(`it was sent from ${otherOrigin()}`);
	});
});
