import { randomBytes } from 'node:crypto';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loginAsAdmin, runEnded, webUrl, type ApiClient } from '../helpers/api.ts';
import { collectPageErrors, launchBrowser, screenshot, signInAsAdmin } from '../helpers/browser.ts';
import { startWorker, type TestWorker } from '../helpers/worker.ts';

/** A person works a run from its page: ticks a checklist, sees a step held by an emergency stop, resumes a failed run. */
describe('run controls in the browser', () => {
	let browser: Browser;
	let worker: TestWorker;
	let admin: ApiClient;
	let page: Page;
	let errors: string[];
	const suffix = randomBytes(3).toString('hex');

	beforeAll(async () => {
		[browser, worker, admin] = await Promise.all([launchBrowser(), startWorker(), loginAsAdmin()]);
		page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
		errors = collectPageErrors(page);
		await signInAsAdmin(page);
	});
	afterAll(async () => {
		await admin?.request('DELETE', '/api/v1/emergency-stop');
		await browser?.close();
		await worker?.stop();
	});

	const publish = async (name: string, spec: string) => {
		const response = await admin.send('POST', '/api/v1/runbooks', `apiVersion: tend/v1\nkind: Runbook\nmetadata: { name: ${name}, title: ${name} }\nspec:\n${spec}`, 'application/yaml');
		expect([200, 201]).toContain(response.status);
	};
	const start = async (name: string) => (await admin.json<{ id: string }>('POST', `/api/v1/runbooks/${name}/runs`, { inputs: {} })).body.id;

	it('ticks off a checklist on the run page', async () => {
		const name = `ui-checklist-${suffix}`;
		await publish(name, '  steps:\n    - id: check\n      uses: manual\n      with: { checklist: [Put the CRM in read-only mode, Tell the support desk], instructions: Both before the update starts. }\n');
		const id = await start(name);
		await page.goto(`${webUrl()}/runs/${id}`);
		const checklist = page.locator('[data-checklist="check"]');
		await checklist.waitFor();
		await screenshot(page, 'run-checklist-open');
		await checklist.getByLabel('Put the CRM in read-only mode').check();
		await checklist.getByLabel('Tell the support desk').check();
		await checklist.getByPlaceholder('Notes (optional)').fill('read-only since 02:00');
		await checklist.getByRole('button', { name: 'Tick off' }).click();
		await page.locator('[data-run-status="succeeded"]').waitFor({ timeout: 30_000 });
		await screenshot(page, 'run-checklist-done');
		expect((await runEnded<{ status: string }>(admin, id)).status).toBe('succeeded');
	});

	it('shows a step held by the emergency stop, with the banner on every page, until an admin lifts it', async () => {
		const name = `ui-risky-${suffix}`;
		await publish(name, '  steps:\n    - { id: purge, uses: wait, risk: medium, with: { duration: 1s } }\n');
		await page.goto(`${webUrl()}/admin/emergency-stop`);
		await page.getByPlaceholder('Why every risky step must stop now').fill('replica lag at 40 min');
		await page.getByRole('button', { name: 'Stop all risky steps' }).click();
		await page.getByRole('status').filter({ hasText: 'Emergency stop in force.' }).waitFor();
		const id = await start(name);
		await page.goto(`${webUrl()}/runs/${id}`);
		await page.locator('[data-step-id="purge"] [data-hold="emergency_stop"]').waitFor();
		expect(await page.getByRole('alert').filter({ hasText: 'Emergency stop in force' }).count()).toBe(1);
		await screenshot(page, 'run-held-by-emergency-stop');
		await page.goto(`${webUrl()}/admin/emergency-stop`);
		await screenshot(page, 'admin-emergency-stop');
		await page.getByRole('button', { name: 'Lift the stop' }).click();
		await page.getByRole('status').filter({ hasText: 'Lifted.' }).waitFor();
		expect((await runEnded<{ status: string }>(admin, id)).status).toBe('succeeded');
	});

	it('resumes a failed run from its page', async () => {
		const child = `ui-later-${suffix}`;
		const name = `ui-resume-${suffix}`;
		await publish(name, `  steps:\n    - { id: first, uses: wait, with: { duration: 1s } }\n    - { id: sub, uses: runbook, with: { name: ${child} } }\n`);
		const id = await start(name);
		expect((await runEnded<{ status: string }>(admin, id)).status).toBe('failed');
		await publish(child, '  steps:\n    - { id: noop, uses: wait, with: { duration: 1s } }\n');
		await page.goto(`${webUrl()}/runs/${id}`);
		await screenshot(page, 'run-failed-resumable');
		await page.getByRole('button', { name: 'Resume run' }).click();
		await page.locator('[data-run-status="succeeded"]').waitFor({ timeout: 60_000 });
		await screenshot(page, 'run-resumed-succeeded');
		expect(errors).toEqual([]);
	});
});
