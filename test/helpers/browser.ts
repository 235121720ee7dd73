import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { adminPassword, webUrl } from './api.ts';

/** Debian's chromium, never a downloaded one (DEVELOPERS.md, "Browser tests"). */
export const CHROMIUM = process.env.TEND_CHROMIUM ?? '/usr/bin/chromium';
export const screenshotsFolder = join(process.cwd(), 'test-results', 'screenshots');

export function launchBrowser(): Promise<Browser> {
	return chromium.launch({
		executablePath: CHROMIUM,
		args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking']
	});
}

/** Keeps a page's console errors and uncaught exceptions, so a test can insist there are none. */
export function collectPageErrors(page: Page): string[] {
	const errors: string[] = [];
	page.on('console', (message) => message.type() === 'error' && errors.push(message.text()));
	page.on('pageerror', (error) => errors.push(error.message));
	return errors;
}

export async function screenshot(page: Page, name: string): Promise<void> {
	mkdirSync(screenshotsFolder, { recursive: true });
	await page.screenshot({ path: join(screenshotsFolder, `${name}.png`), fullPage: true });
}

/** Signs in through the login form and waits for the dashboard. */
export async function signIn(page: Page, username: string, password: string): Promise<void> {
	await page.goto(`${webUrl()}/login`);
	await page.getByLabel('Username').fill(username);
	await page.getByLabel('Password').fill(password);
	await page.getByRole('button', { name: 'Sign in' }).click();
	await page.waitForURL(`${webUrl()}/`);
}

/** Signs in as the stack's first admin. */
export const signInAsAdmin = (page: Page): Promise<void> => signIn(page, 'admin', adminPassword());
