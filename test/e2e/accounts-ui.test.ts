import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { totpCode } from '../../shared/totp.ts';
import { loginAsAdmin, webUrl, type ApiClient } from '../helpers/api.ts';
import { seriousViolations } from '../helpers/axe.ts';
import { collectPageErrors, launchBrowser, screenshot, signIn, signInAsAdmin } from '../helpers/browser.ts';
import { appRows, uniqueName } from '../helpers/people.ts';

/** Fills the login form without waiting for the dashboard (the account gate may send us elsewhere). */
async function submitLogin(page: Page, username: string, password: string): Promise<void> {
	await page.goto(`${webUrl()}/login`);
	await page.getByLabel('Username').fill(username);
	await page.getByLabel('Password').fill(password);
	await page.getByRole('button', { name: 'Sign in' }).click();
}

describe('accounts in the browser', () => {
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

	it('makes a person whose password was set for them choose a new one at the first sign-in', async () => {
		const username = uniqueName('newbie');
		const printed = 'Kx7-pR2q-mW9z-Lt4v';
		expect((await admin.json('POST', '/api/v1/users', { username, password: printed, roles: ['viewer'], mustChangePassword: true })).status).toBe(201);
		const { page, errors } = await newPage();
		await submitLogin(page, username, printed);
		await page.waitForURL(/\/account\/password/);
		expect(await page.getByTestId('must-change').textContent()).toContain('Choose a new password');
		// Nothing else opens until it is done.
		await page.goto(`${webUrl()}/runs`);
		await page.waitForURL(/\/account\/password\?next=%2Fruns/);
		expect(await seriousViolations(page)).toEqual([]);

		await page.getByLabel('Current password').fill(printed);
		await page.getByLabel('New password', { exact: true }).fill('password1234');
		await page.getByLabel('New password again').fill('password1234');
		await page.getByRole('button', { name: 'Change password' }).click();
		await expect.poll(() => page.getByText('This password appears in data breaches').count()).toBe(1);
		await screenshot(page, 'account-password-forced');

		await page.getByLabel('Current password').fill(printed);
		await page.getByLabel('New password', { exact: true }).fill('harbour lantern quietly sixty');
		await page.getByLabel('New password again').fill('harbour lantern quietly sixty');
		await page.getByRole('button', { name: 'Change password' }).click();
		await page.waitForURL(`${webUrl()}/runs`);
		expect((await appRows<{ must_change_password: boolean }>('select must_change_password from users where username = $1', [username]))[0].must_change_password).toBe(false);
		expect(errors).toEqual([]);
	});

	it('enrols an authenticator from its QR code and signs in with a code as a second step', async () => {
		const username = uniqueName('tia');
		const password = 'velvet orchard sixty kites';
		expect((await admin.json('POST', '/api/v1/users', { username, password, roles: ['approver'] })).status).toBe(201);
		const { page, errors } = await newPage();
		await signIn(page, username, password);
		await page.goto(`${webUrl()}/account/mfa`);
		await page.getByRole('button', { name: 'Set up an authenticator' }).click();
		const secret = (await page.getByTestId('totp-secret').textContent())!.trim();
		expect(await page.getByRole('img', { name: 'QR code holding the authenticator key' }).count()).toBe(1);
		expect(await seriousViolations(page)).toEqual([]);
		await screenshot(page, 'account-mfa-scan');
		await page.getByLabel('Code from the app').fill(totpCode(secret));
		await page.getByRole('button', { name: 'Turn on' }).click();
		const codes = page.getByRole('list', { name: 'Recovery codes' }).getByRole('listitem');
		await expect.poll(() => codes.count()).toBe(10);
		await screenshot(page, 'account-mfa-recovery-codes');

		await page.getByRole('button', { name: 'Log out' }).click();
		await page.waitForURL(/\/login/);
		await submitLogin(page, username, password);
		await expect.poll(() => page.getByRole('heading', { name: 'Enter your code' }).count()).toBe(1);
		expect(await seriousViolations(page)).toEqual([]);
		await screenshot(page, 'login-code-step');
		await page.getByLabel('Code').fill('000000' === totpCode(secret, Date.now() + 30_000) ? '111111' : '000000');
		await page.getByRole('button', { name: 'Verify' }).click();
		await expect.poll(() => page.getByText('That code is wrong or was already used.').count()).toBe(1);
		// The next time step's code: the current one was spent turning it on.
		await page.getByLabel('Code').fill(totpCode(secret, Date.now() + 30_000));
		await page.getByRole('button', { name: 'Verify' }).click();
		await page.waitForURL(`${webUrl()}/`);
		expect(errors).toEqual([]);
	});

	it('edits, resets and disables people on the users page, in English and Chinese', async () => {
		const username = uniqueName('una');
		expect((await admin.json('POST', '/api/v1/users', { username, password: 'meadow copper ninety rails', roles: ['viewer'] })).status).toBe(201);
		const { page, errors } = await newPage();
		await signInAsAdmin(page);
		await page.goto(`${webUrl()}/admin/users`);
		expect(await seriousViolations(page)).toEqual([]);
		await screenshot(page, 'admin-users');
		await page.getByRole('link', { name: username }).click();
		await page.waitForURL(`${webUrl()}/admin/users/${username}`);
		await page.getByLabel('Display name').fill('Una Park');
		await page.getByRole('checkbox', { name: /^operator/ }).check();
		await page.getByLabel('Manager').selectOption('admin');
		await page.getByRole('button', { name: 'Save', exact: true }).click();
		await expect.poll(() => page.getByRole('status').textContent()).toContain('Saved.');
		await page.getByRole('button', { name: 'Reset password' }).click();
		const oneTime = (await page.getByTestId('one-time-password').textContent())!.trim();
		expect(oneTime).toMatch(/^[A-Za-z0-9_-]{20}$/);
		await page.getByRole('button', { name: 'Disable' }).click();
		await expect.poll(() => page.getByRole('status').textContent()).toContain('Disabled');
		expect(await seriousViolations(page)).toEqual([]);
		await screenshot(page, 'admin-user');
		const [row] = await appRows<{ display_name: string; must_change_password: boolean; disabled: boolean; manager: string }>(
			'select u.display_name, u.must_change_password, u.disabled_at is not null as disabled, m.username as manager from users u left join users m on m.id = u.manager_id where u.username = $1',
			[username]
		);
		expect(row).toEqual({ display_name: 'Una Park', must_change_password: true, disabled: true, manager: 'admin' });
		const roles = await appRows<{ details: { added: string[] } }>("select details from audit_log where action = 'user.roles' and subject = $1", [`user:${username}`]);
		expect(roles[0].details.added).toEqual(['operator']);

		// The same page in Chinese (the language menu's cookie).
		await page.context().addCookies([{ name: 'tend_lang', value: 'zh', url: webUrl() }]);
		await page.goto(`${webUrl()}/admin/users/${username}`);
		expect(await page.getByRole('button', { name: '启用' }).count()).toBe(1);
		expect(await seriousViolations(page)).toEqual([]);
		await screenshot(page, 'admin-user-zh');
		expect(errors).toEqual([]);
	});

	it('creates and revokes one’s own API token, showing scopes, expiry and last use', async () => {
		const { page, errors } = await newPage();
		await signInAsAdmin(page);
		await page.goto(`${webUrl()}/account/tokens`);
		await page.getByLabel('Name').fill('nightly export');
		await page.getByRole('checkbox', { name: 'admin' }).uncheck();
		await page.getByRole('checkbox', { name: 'viewer' }).check();
		await page.getByLabel('Expires in (days)').fill('30');
		await page.getByRole('button', { name: 'Create token' }).click();
		const token = (await page.getByTestId('new-token').textContent())!.trim();
		expect(token).toMatch(/^tend_/);
		const row = page.getByRole('row', { name: /nightly export/ });
		expect(await row.getByText('viewer').count()).toBe(1);
		expect(await seriousViolations(page)).toEqual([]);
		await screenshot(page, 'account-tokens');
		await row.getByRole('button', { name: 'Revoke nightly export' }).click();
		await expect.poll(() => page.getByRole('row', { name: /nightly export/ }).textContent()).toContain('revoked');
		expect(errors).toEqual([]);
	});
});
