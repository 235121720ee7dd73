import { randomBytes } from 'node:crypto';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loginAsAdmin, runEnded, webUrl, type ApiClient } from '../helpers/api.ts';
import { collectPageErrors, launchBrowser, screenshot, signIn } from '../helpers/browser.ts';
import { startWorker, type TestWorker } from '../helpers/worker.ts';

/**
 * Issue 5's story, end to end in a real browser: a new admin composes a runbook on a blank canvas
 * with the palette and the forms (backup → approval → sql.exec → notify), publishes and starts it;
 * a second person approves from the inbox; the run page shows success. A failing variant, written
 * in the YAML tab, shows its rollback step by step.
 */
describe('composing a runbook in the builder and running it', () => {
	const suffix = randomBytes(3).toString('hex');
	const author = { username: `ada-${suffix}`, password: randomBytes(12).toString('base64url') };
	const approver = { username: `bo-${suffix}`, password: randomBytes(12).toString('base64url') };
	const name = `composed-${suffix}`;
	let browser: Browser;
	let worker: TestWorker;
	let admin: ApiClient;
	let authorContext: BrowserContext;
	let page: Page;
	let errors: string[];
	let runId: string;

	beforeAll(async () => {
		[browser, worker, admin] = await Promise.all([launchBrowser(), startWorker(), loginAsAdmin()]);
		for (const [user, roles] of [
			[author, ['admin']],
			[approver, ['approver']]
		] as const) {
			const created = await admin.json('POST', '/api/v1/users', { ...user, roles, email: `${user.username}@example.test` });
			expect(created.status).toBe(201);
		}
		authorContext = await browser.newContext({ viewport: { width: 1280, height: 900 } });
		page = await authorContext.newPage();
		errors = collectPageErrors(page);
		await signIn(page, author.username, author.password);
	});
	afterAll(async () => {
		await browser?.close();
		await worker?.stop();
	});

	/** Adds a step from the palette; the new step is selected and its form opens beside the canvas. */
	const addStep = async (label: string) => {
		await page.getByRole('button', { name: label, exact: true }).click();
		await page.getByRole('complementary', { name: 'Selected step' }).waitFor();
	};
	const stepForm = () => page.getByRole('complementary', { name: 'Selected step' });
	/** Fills the first item of a list field, adding it when the list starts empty. */
	const fillFirstItem = async (label: string, value: string) => {
		const first = stepForm().getByLabel(`${label} 1`, { exact: true });
		if (!(await first.count())) await stepForm().getByRole('button', { name: `Add to ${label}` }).click();
		await first.fill(value);
	};

	it('composes backup → approval → sql.exec → notify on a blank canvas and publishes it', async () => {
		await page.goto(`${webUrl()}/runbooks/new`);
		await page.getByText('Blank canvas', { exact: true }).click();
		await page.getByLabel('Runbook name').fill(name);
		await page.getByRole('button', { name: 'Open in builder' }).click();
		await page.getByRole('tab', { name: 'Canvas' }).waitFor();

		await page.getByLabel('Target', { exact: true }).selectOption('crm-demo');

		await addStep('Back up database');
		await stepForm().getByLabel('Database', { exact: true }).fill('main');

		await addStep('Ask for approval');
		await fillFirstItem('Approvers', 'role:approver');

		await addStep('Run admin SQL');
		await stepForm().getByLabel('Database', { exact: true }).fill('main');
		await stepForm().getByLabel('Query', { exact: true }).fill('analyze customers');

		await addStep('Notify users');
		await fillFirstItem('To', 'role:admin');
		await stepForm().getByLabel('Subject', { exact: true }).fill('Composed runbook ${{ steps.backup.outputs.backupId }} done');

		await expect.poll(() => page.locator('.svelte-flow__node').count()).toBe(4);
		await page.getByRole('button', { name: 'Validate' }).click();
		await page.getByText('No problems found').waitFor();
		await screenshot(page, 'builder-composed');

		await page.getByRole('tab', { name: 'Dry run' }).click();
		await screenshot(page, 'builder-dry-run');

		await page.getByRole('button', { name: 'Publish' }).click();
		await page.waitForURL(new RegExp(`/runbooks/${name}\\?`));
		const published = await admin.json<{ latestVersion: number; version: { document: { spec: { steps: Array<{ uses: string }> } } } }>('GET', `/api/v1/runbooks/${name}`);
		expect(published.status).toBe(200);
		expect(published.body.version.document.spec.steps.map((s) => s.uses)).toEqual(['postgres.backup', 'approval', 'sql.exec', 'notify']);
	});

	it('starts the run, a second person approves it from the inbox, and the run page shows success', async () => {
		await page.getByRole('button', { name: 'Start run' }).click();
		await page.waitForURL(/\/runs\/[0-9a-f-]{36}$/);
		runId = page.url().split('/').pop()!;
		await page.locator('[data-approval="approval"]').waitFor({ timeout: 60_000 });
		// Four eyes, visible: the author started the run, so the page tells them someone else must decide.
		await page.getByText('You started this run, so another approver must decide').waitFor();
		await screenshot(page, 'run-waiting-for-approval');

		const approverContext = await browser.newContext({ viewport: { width: 1280, height: 900 } });
		const approverPage = await approverContext.newPage();
		const approverErrors = collectPageErrors(approverPage);
		await signIn(approverPage, approver.username, approver.password);
		await expect.poll(async () => Number((await approverPage.locator('[data-nav-count]').getAttribute('data-nav-count')) ?? 0)).toBeGreaterThanOrEqual(1);
		await approverPage.goto(`${webUrl()}/approvals`);
		const item = approverPage.getByRole('listitem').filter({ has: approverPage.locator(`a[href^="/runs/${runId}"]`) });
		await item.getByLabel('Comment').fill('backup is there, go ahead');
		await screenshot(approverPage, 'approvals-inbox');
		await item.getByRole('button', { name: 'Approve' }).click();
		await approverPage.getByText('Approved').first().waitFor();
		expect(approverErrors).toEqual([]);
		await approverContext.close();

		await page.locator('[data-run-status="succeeded"]').waitFor({ timeout: 90_000 });
		await screenshot(page, 'run-succeeded');
		const run = await runEnded<{ status: string; steps: Array<{ id: string; status: string }> }>(admin, runId);
		expect(run.status).toBe('succeeded');
		expect(run.steps.every((s) => s.status === 'succeeded')).toBe(true);
	});

	it('shows a failing variant’s rollback step by step', async () => {
		const table = `tend_e2e_${suffix}`;
		await page.goto(`${webUrl()}/runbooks/${name}/edit`);
		await page.getByRole('tab', { name: 'YAML' }).click();
		const editor = page.getByRole('textbox', { name: 'Runbook YAML' });
		await editor.click();
		await page.keyboard.press('Control+A');
		await page.keyboard.insertText(
			[
				'apiVersion: tend/v1',
				'kind: Runbook',
				`metadata: { name: ${name}, title: Composed runbook that fails its check }`,
				'spec:',
				'  target: crm-demo',
				'  onFailure: rollback',
				'  steps:',
				'    - id: change',
				'      uses: sql.exec',
				'      risk: medium',
				`      with: { database: main, query: "create table ${table} (id int)" }`,
				'      rollback:',
				'        uses: sql.exec',
				`        with: { database: main, query: "drop table ${table}" }`,
				'    - id: check',
				'      uses: sql.check',
				'      with: { database: main, query: "select false" }',
				''
			].join('\n')
		);
		await page.getByRole('tab', { name: 'Canvas' }).click();
		await expect.poll(() => page.locator('.svelte-flow__node').count()).toBe(2);
		await page.getByRole('button', { name: 'Publish' }).click();
		await page.waitForURL(new RegExp(`/runbooks/${name}\\?`));
		await page.getByRole('button', { name: /Start run/ }).click();
		await page.waitForURL(/\/runs\/[0-9a-f-]{36}$/);
		await page.locator('[data-run-status="rolled_back"]').waitFor({ timeout: 90_000 });
		await screenshot(page, 'run-rolled-back');
		const run = await runEnded<{ status: string; steps: Array<{ id: string; status: string }> }>(admin, page.url().split('/').pop()!);
		expect(run.steps.find((s) => s.id === 'change')?.status).toBe('compensated');
		expect(errors).toEqual([]);
	});
});
