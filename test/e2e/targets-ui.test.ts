import { randomBytes } from 'node:crypto';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../dev/ports.ts';
import { loginAsAdmin, webUrl } from '../helpers/api.ts';
import { collectPageErrors, launchBrowser, screenshot, signInAsAdmin } from '../helpers/browser.ts';
import { createScratchDatabase } from '../helpers/postgres.ts';

const suffix = randomBytes(3).toString('hex');

describe('the target page’s Test connection button', () => {
	let browser: Browser;
	beforeAll(async () => {
		browser = await launchBrowser();
	});
	afterAll(async () => {
		await browser?.close();
	});

	it('shows each database and URL as reached or failed, with the reason and never the secret', async () => {
		const goodUrl = await createScratchDatabase('ui_target');
		const password = decodeURIComponent(new URL(goodUrl).password);
		const refused = new URL(goodUrl);
		refused.port = String(await freePort());
		const admin = await loginAsAdmin();
		for (const [name, value] of [[`ui-main-${suffix}`, goodUrl], [`ui-replica-${suffix}`, refused.toString()]]) {
			expect((await admin.request('PUT', `/api/v1/secrets/${name}`, { value })).status).toBe(204);
		}
		const target = `ui-crm-${suffix}`;
		const document = `apiVersion: tend/v1
kind: Target
metadata: { name: ${target}, title: Billing, description: The billing database and its replica. }
spec:
  databases:
    main: { url: "secret:ui-main-${suffix}" }
    replica: { url: "secret:ui-replica-${suffix}" }
  urls: { health: "${webUrl()}/healthz" }
  http: { allowHosts: ["${new URL(webUrl()).host}"] }
`;
		expect((await admin.send('POST', '/api/v1/targets', document, 'application/yaml')).status).toBe(201);

		const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
		const page = await context.newPage();
		const errors = collectPageErrors(page);
		await signInAsAdmin(page);
		await page.goto(`${webUrl()}/targets/${target}`);
		await page.getByRole('button', { name: 'Test connection' }).click();

		const summary = page.getByRole('status');
		await expect.poll(() => summary.textContent(), { timeout: 15_000 }).toContain('1 of 3 failed.');
		const main = page.getByRole('row', { name: /Database main/ });
		expect(await main.locator('.badge').textContent()).toBe('OK');
		expect(await main.textContent()).toMatch(/PostgreSQL \d+/);
		expect(await main.textContent()).toContain('read-write');
		// The scratch URL is the cluster's superuser: flagged, and said what steps will do about it.
		expect(await main.getByText('superuser', { exact: true }).count()).toBe(1);
		expect(await main.textContent()).toContain('connects as "tend", a superuser: steps refuse it');
		const replica = page.getByRole('row', { name: /Database replica/ });
		expect(await replica.locator('.badge').textContent()).toBe('Failed');
		expect(await replica.textContent()).toContain(`connection refused at ${refused.hostname}:${refused.port}`);
		const health = page.getByRole('row', { name: /URL health/ });
		expect(await health.locator('.badge').textContent()).toBe('OK');
		expect(await health.textContent()).toContain('HTTP 200');

		expect(await page.content()).not.toContain(password);
		await screenshot(page, 'target-test-connection');
		expect(errors).toEqual([]);
		await context.close();
	});
});
