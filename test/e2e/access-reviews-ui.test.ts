import { randomUUID } from 'node:crypto';
import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, type Db } from '../../db/client.ts';
import { decideReviewItem, suspendUnreviewed } from '../../shared/access-reviews.ts';
import { eventually, loginAsAdmin, webUrl, type ApiClient } from '../helpers/api.ts';
import { seriousViolations } from '../helpers/axe.ts';
import { collectPageErrors, launchBrowser, screenshot, signIn, signInAsAdmin } from '../helpers/browser.ts';
import { appRows, createPerson, type Person } from '../helpers/people.ts';
import { startWorker, type TestWorker } from '../helpers/worker.ts';

describe('access reviews in the browser', () => {
	let browser: Browser;
	let admin: ApiClient;
	let worker: TestWorker;
	let db: Db;
	let carol: Person;
	const contexts: BrowserContext[] = [];
	const newPage = async () => {
		const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-GB' });
		contexts.push(context);
		const page = await context.newPage();
		return { page, errors: collectPageErrors(page) };
	};
	beforeAll(async () => {
		[browser, admin, worker] = await Promise.all([launchBrowser(), loginAsAdmin(), startWorker()]);
		db = createDb(process.env.TEST_APP_DATABASE_URL!, { max: 2 });
		carol = await createPerson(admin, 'rv-carol', ['operator', 'viewer']);
		await appRows("update users set last_login_at = now() - interval '400 days' where username = $1", [carol.username]);
	});
	afterAll(async () => {
		for (const context of contexts) await context.close();
		await browser?.close();
		await worker?.stop();
		await db?.$client.end();
	});

	it('starts a campaign from the form, shows stale accounts, revokes a row; the owner appeals a suspension; in Chinese too', async () => {
		const { page, errors } = await newPage();
		await signInAsAdmin(page);
		// The users page flags the stale account as well.
		await page.goto(`${webUrl()}/admin/users`);
		expect(await page.getByRole('row').filter({ hasText: carol.username }).getByTestId('stale').count()).toBe(1);

		await page.getByRole('link', { name: 'Access reviews' }).click();
		await page.waitForURL(`${webUrl()}/access-reviews`);
		const name = `Browser review ${randomUUID().slice(0, 6)}`;
		await page.getByLabel('Name').fill(name);
		await page.getByLabel('Deadline (UTC)').fill(new Date(Date.now() + 3 * 86_400_000).toISOString().slice(0, 16));
		await page.getByRole('button', { name: 'Start' }).click();
		await page.waitForURL(/\/access-reviews\/[0-9a-f-]{36}$/);
		const campaignId = page.url().split('/').pop()!;
		await eventually('the items to be collected', async () => {
			await page.reload();
			return (await page.getByTestId(`item-${carol.username}-operator`).count()) ? true : undefined;
		});
		const operatorRow = page.getByTestId(`item-${carol.username}-operator`);
		expect(await operatorRow.textContent()).toContain('stale');
		expect(await seriousViolations(page)).toEqual([]);
		await screenshot(page, 'access-review-campaign');
		await operatorRow.getByRole('button', { name: `Revoke operator from ${carol.username}` }).click();
		await expect.poll(() => page.getByRole('status').textContent()).toContain('Revoked');
		expect(await operatorRow.textContent()).toContain('revoked');

		// The deadline passes with Carol's viewer role unreviewed (everyone else certified, so the shared stack keeps its roles).
		const reviewer = { id: randomUUID(), username: 'test-reviewer' };
		const pending = await appRows<{ id: string }>("select id from access_review_items where campaign_id = $1 and state = 'pending' and username <> $2", [campaignId, carol.username]);
		for (const other of pending) await decideReviewItem(db, { campaignId, itemId: other.id, decision: 'certify', actor: reviewer });
		expect(await suspendUnreviewed(db, campaignId)).toEqual({ suspended: 1 });

		const owner = await newPage();
		await signIn(owner.page, carol.username, carol.password);
		await owner.page.goto(`${webUrl()}/access-reviews`);
		await owner.page.getByRole('link', { name }).click();
		const viewerRow = owner.page.getByTestId(`item-${carol.username}-viewer`);
		expect(await viewerRow.textContent()).toContain('suspended');
		expect(await owner.page.getByTestId(`item-${carol.username}-operator`).getByRole('button').count()).toBe(0);
		await viewerRow.getByLabel('Why you still need viewer').fill('I read the run reports');
		await viewerRow.getByRole('button', { name: 'Appeal' }).click();
		await expect.poll(() => owner.page.getByRole('status').textContent()).toContain('Appealed');
		expect(await seriousViolations(owner.page)).toEqual([]);
		await screenshot(owner.page, 'access-review-appealed');
		expect((await appRows<{ role: string }>('select r.role::text from user_roles r join users u on u.id = r.user_id where u.username = $1', [carol.username])).map((r) => r.role)).toEqual(['viewer']);

		await page.context().addCookies([{ name: 'tend_lang', value: 'zh', url: webUrl() }]);
		await page.reload();
		expect(await page.getByRole('columnheader', { name: '决定' }).count()).toBe(1);
		expect(await seriousViolations(page)).toEqual([]);
		await screenshot(page, 'access-review-zh');
		expect([...errors, ...owner.errors]).toEqual([]);
	});
});
