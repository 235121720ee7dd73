import { randomBytes } from 'node:crypto';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loginAsAdmin, webUrl, type ApiClient } from '../helpers/api.ts';
import { collectPageErrors, launchBrowser, screenshot, signInAsAdmin } from '../helpers/browser.ts';

const suffix = randomBytes(3).toString('hex');
const NAME = `ui-overview-${suffix}`;
const source = (extra: string) => `apiVersion: tend/v1
kind: Runbook
metadata: { name: ${NAME}, title: Monthly update (page check) }
spec:
  onFailure: rollback
  concurrency: target
  target: crm-demo
  inputs:
    release: { type: string, default: '1.2' }
  steps:
    - { id: backup, name: Back up the database, uses: postgres.backup, with: { database: main } }
    - id: approve
      name: Approve the update
      uses: approval
      with: { approvers: [role:approver], quorum: 1, timeout: 4h, message: "Apply \${{ inputs.release }}?" }
    - id: update
      name: Apply the release
      uses: postgres.migrate
      with: { database: main, bundle: "crm-\${{ inputs.release }}" }
      rollback: { uses: postgres.restore, with: { database: main, backup: "\${{ steps.backup.outputs.backupId }}" } }
    - { id: verify, name: Check the customers, uses: sql.check, with: { database: main, query: "select true" } }
    - { id: smoke, name: Check the CRM answers, uses: http.check, needs: [update], with: { url: "\${{ target.urls.health }}" } }
${extra}`;

/** The runbook overview page: a publish notice, the dry run of the shown version, and versions compared. */
describe('the runbook overview page', () => {
	let browser: Browser;
	let admin: ApiClient;
	let page: Page;
	let errors: string[];

	beforeAll(async () => {
		[browser, admin] = await Promise.all([launchBrowser(), loginAsAdmin()]);
		expect((await admin.send('POST', '/api/v1/runbooks', source(''), 'application/yaml')).status).toBe(201);
		const done = '    - { id: done, name: Tell people, uses: notify, needs: [verify, smoke], if: "${{ steps.verify.outputs.ok }}", with: { to: [role:member], subject: "Updated to ${{ inputs.release }}" } }\n';
		expect((await admin.send('POST', '/api/v1/runbooks', source(done), 'application/yaml')).status).toBe(201);
		page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
		errors = collectPageErrors(page);
		await signInAsAdmin(page);
	});
	afterAll(async () => {
		await browser?.close();
	});

	it('says a version was just published and links authors to the builder', async () => {
		await page.goto(`${webUrl()}/runbooks/${NAME}?version=2&published=1`);
		await page.getByRole('status').filter({ hasText: 'Version 2 is published' }).waitFor();
		expect(await page.getByRole('link', { name: 'Open in builder' }).getAttribute('href')).toBe(`/runbooks/${NAME}/edit`);
	});

	it('dry runs the shown version: waves, a failure that rolls back, a rejected approval', async () => {
		await page.goto(`${webUrl()}/runbooks/${NAME}`);
		const panel = page.getByRole('region', { name: 'Dry run' });
		const summary = panel.locator('.summary');
		await expect.poll(() => summary.textContent()).toContain('5 steps run, 1 approval waits, then the run ends succeeded');
		expect(await panel.locator('[data-step="done"]').textContent()).toContain('would run');
		await screenshot(page, 'runbook-overview-1280');

		await panel.getByLabel('Scenario').selectOption({ label: 'Step fails' });
		await panel.getByLabel('Failing step').selectOption({ label: 'Check the customers' });
		await expect.poll(() => summary.textContent()).toContain('if Check the customers fails: Apply the release is rolled back, then the run ends rolled back');
		expect(await panel.locator('[data-step="update"]').textContent()).toContain('would roll back');
		expect(await panel.locator('[data-step="done"]').textContent()).toContain('never starts');
		await panel.locator('[data-step="update"] summary').click();
		await screenshot(page, 'runbook-dry-run-failure');

		await panel.getByLabel('Scenario').selectOption({ label: 'Approval rejected' });
		await expect.poll(() => summary.textContent()).toContain('if Approve the update is rejected: nothing has been done that needs undoing');

		// Inputs follow into the parameters.
		await panel.getByLabel('Scenario').selectOption({ label: 'Everything succeeds' });
		await panel.getByLabel('release').fill('9.9');
		expect(await panel.locator('[data-step="update"]').textContent()).toContain('crm-9.9');
	});

	it('compares two versions: the steps added, and the lines', async () => {
		await page.getByLabel('Older version').selectOption('1');
		await page.getByLabel('Newer version').selectOption('2');
		await page.getByRole('button', { name: 'Compare', exact: true }).click();
		const diff = page.getByRole('region', { name: 'Changes between versions' });
		await diff.waitFor();
		expect(await diff.textContent()).toContain('Steps added');
		expect(await diff.textContent()).toContain('done');
		await diff.scrollIntoViewIfNeeded();
		await screenshot(page, 'runbook-versions-diff');

		await page.setViewportSize({ width: 820, height: 1000 });
		await screenshot(page, 'runbook-overview-820');
		expect(errors).toEqual([]);
	});

	it('reads in Chinese, the dry run included', async () => {
		await page.context().addCookies([{ name: 'tend_lang', value: 'zh', url: webUrl() }]);
		await page.setViewportSize({ width: 1280, height: 900 });
		await page.goto(`${webUrl()}/runbooks/${NAME}`);
		const panel = page.getByRole('region', { name: '试运行' });
		await panel.getByLabel('场景').selectOption({ label: '某个步骤失败' });
		await panel.getByLabel('失败的步骤').selectOption({ label: 'Check the customers' });
		await expect.poll(() => panel.locator('.summary').textContent()).toContain('如果 Check the customers 失败：依次回滚 Apply the release，运行最终为已回滚');
		const text = await page.locator('main').innerText();
		for (const phrase of ['Dry run', 'Versions', 'Start a run', 'would run', 'Scenario', 'Recent runs']) expect(text).not.toContain(phrase);
		await screenshot(page, 'runbook-overview-zh');
		expect(errors).toEqual([]);
	});
});
