import { randomBytes } from 'node:crypto';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { login, loginAsAdmin, webUrl } from '../helpers/api.ts';
import { collectPageErrors, launchBrowser, screenshot, signInAsAdmin } from '../helpers/browser.ts';
import { readGraph } from '../../web/src/lib/builder/model.ts';
import { renameRunbook, STARTER_SOURCE, titleFromName } from '../../web/src/lib/builder/template.ts';

const suffix = randomBytes(3).toString('hex');

/** Replaces the whole text of the CodeMirror editor, the way a paste would. */
async function replaceYaml(page: Page, text: string): Promise<void> {
	const editor = page.getByRole('textbox', { name: 'Runbook YAML' });
	await editor.click();
	await page.keyboard.press('Control+A');
	await page.keyboard.insertText(text);
}

describe('the runbook builder', () => {
	let browser: Browser;
	beforeAll(async () => {
		browser = await launchBrowser();
	});
	afterAll(async () => {
		await browser?.close();
	});

	it('builds a runbook from the starter template: tabs, a broken and fixed YAML, a saved draft, a published version', async () => {
		const name = `built-${suffix}`;
		const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-US' });
		const page = await context.newPage();
		const errors = collectPageErrors(page);
		await signInAsAdmin(page);

		await page.goto(`${webUrl()}/runbooks`);
		await screenshot(page, 'builder-runbook-list-1280');
		await page.getByRole('link', { name: 'New runbook' }).click();
		await page.waitForURL(/\/runbooks\/new$/);
		await expect.poll(() => page.getByRole('radio').count()).toBeGreaterThan(3);
		await page.getByRole('radio', { name: /Back up, approve, update, notify/ }).check();
		await page.getByLabel('Runbook name').fill(name);
		await screenshot(page, 'builder-gallery-1280');
		await page.getByRole('button', { name: 'Open in builder' }).click();
		await page.waitForURL(new RegExp(`/runbooks/new\\?template=starter&name=${name}`));

		// The canvas shows the four steps; the header the title made from the name.
		await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe(titleFromName(name));
		await expect.poll(() => page.getByRole('tabpanel').first().textContent()).toContain('backup');
		await screenshot(page, 'builder-canvas-1280');

		await page.getByRole('tab', { name: 'List' }).click();
		await expect.poll(() => page.getByRole('tab', { name: 'List' }).getAttribute('aria-selected')).toBe('true');
		// Choosing a step opens its form in the side panel in place of the runbook's settings.
		await page.getByRole('button', { name: 'Edit update' }).click();
		await expect.poll(() => page.getByRole('complementary', { name: 'Selected step' }).count()).toBe(1);
		await screenshot(page, 'builder-step-1280');
		await page.getByRole('button', { name: '← Runbook settings' }).click();
		await expect.poll(() => page.getByRole('complementary', { name: 'Runbook settings' }).count()).toBe(1);
		await page.getByRole('tab', { name: 'Changes' }).click();
		await expect.poll(() => page.getByText('Not published yet').count()).toBe(1);
		await page.getByRole('tab', { name: 'Dry run' }).click();
		await page.getByRole('tab', { name: 'YAML' }).click();
		await expect.poll(() => page.getByRole('textbox', { name: 'Runbook YAML' }).isVisible()).toBe(true);

		// Break the YAML: the error shows at its line, and the canvas refuses edits until it is fixed.
		const original = renameRunbook(STARTER_SOURCE, name, titleFromName(name));
		const broken = original.replace('uses: sql.exec', 'uses: [sql.exec');
		const read = readGraph(broken);
		expect(read.ok).toBe(false);
		const line = read.ok ? 0 : read.line;
		await replaceYaml(page, broken);
		await expect.poll(() => page.getByRole('alert').filter({ hasText: 'The YAML cannot be read' }).textContent()).toContain(`line ${line}`);
		await expect.poll(() => page.locator('.cm-lint-marker-error').count()).toBeGreaterThan(0);
		await page.getByRole('button', { name: 'Validate' }).click();
		const problems = page.getByRole('region', { name: /problem/ });
		await expect.poll(() => problems.textContent()).toMatch(new RegExp(`\\b${line}:\\d+`));
		expect(await page.getByRole('button', { name: 'Publish' }).isDisabled()).toBe(true);
		await screenshot(page, 'builder-yaml-error-1280');

		await replaceYaml(page, original);
		await expect.poll(() => page.getByRole('alert').filter({ hasText: 'The YAML cannot be read' }).count()).toBe(0);
		await expect.poll(() => problems.textContent()).toContain('No problems found');

		// A mistake inside a step: its problem leads to the step's form.
		await replaceYaml(page, original.replace('database: main\n        # Values', 'databse: main\n        # Values'));
		await expect.poll(() => problems.getByRole('button').count()).toBeGreaterThan(0);
		expect(await problems.textContent()).toContain('step update');
		await problems.getByRole('button').first().click();
		const stepPanel = page.getByRole('complementary', { name: 'Selected step' });
		await expect.poll(() => stepPanel.count()).toBe(1);
		await screenshot(page, 'builder-step-problem-1280');
		await page.getByRole('button', { name: '← Runbook settings' }).click();
		await page.getByRole('tab', { name: 'YAML' }).click();
		await replaceYaml(page, original);
		await expect.poll(() => problems.textContent()).toContain('No problems found');

		// A change made in the YAML shows in the settings panel, and saving keeps it as a draft.
		await replaceYaml(page, original.replace('onFailure: stop', 'onFailure: rollback'));
		await expect.poll(() => page.getByLabel('On failure').inputValue()).toBe('rollback');
		await expect.poll(() => page.getByText('Unsaved changes').count()).toBe(1);
		await page.getByRole('button', { name: 'Save draft' }).click();
		await expect.poll(() => page.getByText('Draft saved at').count()).toBe(1);

		await page.reload();
		await expect.poll(() => page.getByRole('status').filter({ hasText: 'Draft by admin' }).count()).toBe(1);
		expect(await page.getByRole('button', { name: 'Discard draft' }).isVisible()).toBe(true);
		expect(await page.getByLabel('On failure').inputValue()).toBe('rollback');

		await page.getByRole('button', { name: 'Publish' }).click();
		await page.waitForURL(new RegExp(`/runbooks/${name}\\?version=1&published=1$`));
		await page.getByText('Version 1 is published.').waitFor();
		const admin = await loginAsAdmin();
		expect((await admin.request('GET', `/api/v1/runbooks/${name}/draft`)).status).toBe(404);
		const published = await admin.json<{ version: { document: { spec: { onFailure: string } } } }>('GET', `/api/v1/runbooks/${name}`);
		expect(published.body.version.document.spec.onFailure).toBe('rollback');

		// Editing the published runbook opens its latest version, and the Changes tab compares with it.
		await page.goto(`${webUrl()}/runbooks/${name}/edit`);
		await expect.poll(() => page.getByText('Published version 1, no changes').count()).toBe(1);
		await page.getByRole('tab', { name: 'Changes' }).click();
		await expect.poll(() => page.getByText('No changes from version 1.').count()).toBe(1);

		expect(errors).toEqual([]);
		await context.close();
	});

	it('works at tablet width', async () => {
		const context = await browser.newContext({ viewport: { width: 820, height: 1180 }, locale: 'en-US' });
		const page = await context.newPage();
		const errors = collectPageErrors(page);
		await signInAsAdmin(page);
		await page.goto(`${webUrl()}/runbooks/new`);
		await expect.poll(() => page.getByRole('radio').count()).toBeGreaterThan(3);
		await screenshot(page, 'builder-gallery-820');
		await page.goto(`${webUrl()}/runbooks/new?template=crm-monthly-update&name=tablet-${suffix}`);
		await expect.poll(() => page.getByRole('tabpanel').first().textContent()).toContain('backup');
		await screenshot(page, 'builder-canvas-820');
		await page.getByRole('button', { name: 'Add a step' }).click();
		await screenshot(page, 'builder-palette-820');
		await page.getByRole('tab', { name: 'YAML' }).click();
		await screenshot(page, 'builder-yaml-820');
		expect(errors).toEqual([]);
		await context.close();
	});

	it('tells a viewer which role the builder needs', async () => {
		const admin = await loginAsAdmin();
		const username = `reader-${suffix}`;
		const password = randomBytes(12).toString('base64url');
		expect((await admin.json('POST', '/api/v1/users', { username, password, roles: ['viewer'], email: `${username}@example.test` })).status).toBe(201);
		const viewer = await login(username, password);
		const response = await viewer.request('GET', '/runbooks/new?template=blank&name=nope');
		expect(response.status).toBe(403);
		expect(await response.text()).toContain('author');
	});
});
