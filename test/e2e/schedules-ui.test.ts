import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loginAsAdmin } from '../helpers/api.ts';
import { collectPageErrors, launchBrowser, screenshot, signInAsAdmin } from '../helpers/browser.ts';
import { startWorker, type TestWorker } from '../helpers/worker.ts';

const RUNBOOK = `apiVersion: tend/v1
kind: Runbook
metadata: { name: weekly-digest, title: Weekly digest }
spec:
  inputs:
    audience: { type: string, required: true }
  steps:
    - id: send
      uses: notify
      with: { to: [ops@example.test], subject: "Digest for \${{ inputs.audience }}" }
`;

describe('an operator schedules a runbook from the browser', () => {
	let browser: Browser;
	let worker: TestWorker;
	beforeAll(async () => {
		const admin = await loginAsAdmin();
		expect((await admin.send('POST', '/api/v1/runbooks', RUNBOOK, 'application/yaml')).status).toBe(201);
		[browser, worker] = await Promise.all([launchBrowser(), startWorker()]);
	});
	afterAll(async () => {
		await browser?.close();
		await worker?.stop();
	});

	it('creates a schedule, sees a field error first, runs it now and pauses it', async () => {
		const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
		const errors = collectPageErrors(page);
		await signInAsAdmin(page);

		await page.getByRole('navigation').getByRole('link', { name: 'Schedules' }).click();
		await page.waitForURL(/\/schedules$/);
		await page.getByLabel('Runbook').selectOption('weekly-digest');
		await page.getByLabel('Interval').fill('1h');
		await page.getByLabel('Time zone').fill('Europe/Berlin');
		await page.getByRole('button', { name: 'Schedule', exact: true }).click();
		// The runbook needs an input the form did not give: the error names it and nothing is created.
		await expect.poll(() => page.getByText('Input "audience" is required.').count()).toBe(1);
		await screenshot(page, 'schedules-field-error');

		await page.getByLabel('Inputs').fill('audience=managers');
		await page.getByLabel('Note').fill('Monday mornings');
		await page.getByRole('button', { name: 'Schedule', exact: true }).click();
		await page.waitForURL(/\/schedules\?created=sched-weekly-digest-/);
		const row = page.getByRole('row', { name: /Weekly digest/ });
		await expect.poll(() => row.getByText('Active', { exact: true }).count()).toBe(1);
		expect(await row.getByText('Europe/Berlin').count()).toBe(1);

		await row.getByRole('button', { name: 'Run now' }).click();
		await page.waitForURL(/triggered=/);
		// The firing's run links from the row once the worker has started it.
		await expect.poll(async () => {
			await page.reload();
			return row.locator('a[href^="/runs/"]').count();
		}, { timeout: 60_000 }).toBe(1);
		await row.getByRole('button', { name: 'Pause' }).click();
		await expect.poll(() => row.getByText('Paused', { exact: true }).count()).toBe(1);
		await screenshot(page, 'schedules');
		expect(errors).toEqual([]);
	});
});
