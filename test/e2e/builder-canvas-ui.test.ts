import { randomBytes } from 'node:crypto';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loginAsAdmin, webUrl, type ApiClient } from '../helpers/api.ts';
import { collectPageErrors, launchBrowser, screenshot, signInAsAdmin } from '../helpers/browser.ts';
import { builderYaml } from '../helpers/builder.ts';

/**
 * The builder's editing core in a real browser: the canvas shows a published runbook's steps with
 * their risk and approval gates, edits made by dragging, by keyboard and from the list reach the
 * YAML (read back from the draft the page saves, or the YAML tab), and nothing is removed unasked.
 */
describe('the builder canvas, palette and step list', () => {
	const suffix = randomBytes(3).toString('hex');
	const name = `canvas-${suffix}`;
	let browser: Browser;
	let admin: ApiClient;
	let context: BrowserContext;
	let page: Page;
	let errors: string[];

	const SOURCE = `apiVersion: tend/v1
kind: Runbook
metadata: { name: ${name}, title: Canvas demo }
spec:
  steps:
    - id: prepare
      uses: wait
      with: { duration: 1s }
    - id: approve
      uses: approval
      with: { approvers: [role:approver] }
    - id: apply
      uses: wait
      risk: high
      with: { duration: 1s }
    - id: tidy
      uses: wait
      needs: []
      risk: high
      with: { duration: 1s }
    - id: announce
      uses: notify
      needs: [apply, tidy]
      with: { to: [role:member], subject: Done }
`;

	beforeAll(async () => {
		[browser, admin] = await Promise.all([launchBrowser(), loginAsAdmin()]);
		const published = await admin.send('POST', '/api/v1/runbooks', SOURCE, 'application/yaml');
		expect(published.status).toBe(201);
		context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-US' });
		page = await context.newPage();
		errors = collectPageErrors(page);
		await signInAsAdmin(page);
	});
	afterAll(async () => {
		await browser?.close();
	});

	const node = (id: string) => page.locator(`.svelte-flow__node[data-id="${id}"]`);
	const edge = (source: string, target: string) => page.locator(`.svelte-flow__edge[data-id="${source}->${target}"]`);
	/** The source as the YAML tab holds it, read back through its text. */
	const yamlSteps = async (): Promise<Array<{ id: string; needs?: string[] }>> => {
		const text = await builderYaml(page);
		await page.getByRole('tab', { name: 'Canvas' }).click();
		await node('prepare').waitFor();
		return (parse(text) as { spec: { steps: Array<{ id: string; needs?: string[] }> } }).spec.steps;
	};
	const needsOf = async (id: string) => (await yamlSteps()).find((s) => s.id === id)?.needs;

	it('shows every step as a node with its type, id, risk and approval gate, and selects on click', async () => {
		await page.goto(`${webUrl()}/runbooks/${name}/edit`);
		await expect.poll(() => page.locator('.svelte-flow__node').count()).toBe(5);
		await expect.poll(() => page.locator('.svelte-flow__edge').count()).toBe(4);

		expect(await node('approve').textContent()).toContain('Ask for approval');
		expect(await node('announce').textContent()).toContain('Notify users');
		const apply = (await node('apply').textContent()) ?? '';
		expect(apply).toContain('High risk');
		expect(apply).toContain('runs only after the approval step approve');
		expect(await node('tidy').textContent()).toContain('an approval gate is added before it');
		expect(await node('prepare').textContent()).toContain('Low risk');
		expect(await node('prepare').textContent()).not.toContain('Approval');
		// The step after prepare without needs follows it: an implicit (dashed) edge.
		expect(await edge('prepare', 'approve').getAttribute('class')).toContain('implicit');
		expect(await edge('apply', 'announce').getAttribute('class')).not.toContain('implicit');

		await node('tidy').click();
		const panel = page.getByRole('complementary', { name: 'Selected step' });
		await expect.poll(() => panel.getByLabel('Step id').inputValue()).toBe('tidy');
		await expect.poll(async () => (await node('tidy').getAttribute('class')) ?? '').toContain('selected');
		await screenshot(page, 'builder-canvas-1280');
	});

	it('connects two steps by dragging between handles, and Delete on the selected edge disconnects them', async () => {
		await node('prepare').locator('.svelte-flow__handle.source').dragTo(node('tidy').locator('.svelte-flow__handle.target'));
		await edge('prepare', 'tidy').waitFor();
		expect(await needsOf('tidy')).toEqual(['prepare']);

		await page.getByRole('group', { name: 'tidy runs after prepare' }).focus();
		await page.keyboard.press('Enter');
		await expect.poll(async () => (await edge('prepare', 'tidy').getAttribute('class')) ?? '').toContain('selected');
		await page.keyboard.press('Delete');
		await expect.poll(() => edge('prepare', 'tidy').count()).toBe(0);
		expect(await needsOf('tidy')).toEqual([]);
		await expect.poll(() => page.locator('.svelte-flow__node').count()).toBe(5);
	});

	it('refuses to connect a step to one upstream of it', async () => {
		await node('announce').locator('.svelte-flow__handle.source').dragTo(node('prepare').locator('.svelte-flow__handle.target'));
		expect(await edge('announce', 'prepare').count()).toBe(0);
		expect(await needsOf('prepare')).toBeUndefined();
	});

	it('asks before a step is removed with the keyboard', async () => {
		await node('announce').click();
		await page.keyboard.press('Delete');
		const confirm = page.getByRole('alertdialog');
		await confirm.waitFor();
		expect(await confirm.textContent()).toContain('Remove step announce?');
		await screenshot(page, 'builder-canvas-confirm-remove');
		await confirm.getByRole('button', { name: 'Keep' }).click();
		expect(await node('announce').count()).toBe(1);

		await node('announce').click();
		await page.keyboard.press('Delete');
		await page.getByRole('alertdialog').getByRole('button', { name: 'Remove' }).click();
		await expect.poll(() => node('announce').count()).toBe(0);
		expect((await yamlSteps()).map((s) => s.id)).toEqual(['prepare', 'approve', 'apply', 'tidy']);
	});

	it('filters the palette and adds steps by click and by dropping on the canvas', async () => {
		const search = page.getByLabel('Search steps');
		await search.fill('backup');
		await expect.poll(() => page.getByRole('button', { name: 'Notify users', exact: true }).count()).toBe(0);
		expect(await page.getByRole('button', { name: 'Back up database', exact: true }).count()).toBe(1);
		await search.fill('');
		expect(await page.getByRole('button', { name: 'Assign training', exact: true }).isDisabled()).toBe(false);

		await page.getByRole('button', { name: 'Check a URL', exact: true }).dragTo(page.locator('.svelte-flow__pane'));
		await node('check').waitFor();
		await page.getByRole('button', { name: 'Manual checklist', exact: true }).click();
		await node('manual').waitFor();
		const ids = (await yamlSteps()).map((s) => s.id);
		expect(ids).toContain('check');
		expect(ids).toContain('manual');

		await page.getByRole('button', { name: 'Auto layout' }).click();
		await screenshot(page, 'builder-canvas-after-adding');
	});

	it('lists the steps in order and edits them from the keyboard', async () => {
		await page.getByRole('tab', { name: 'List' }).click();
		const row = (id: string) => page.locator(`li[data-step="${id}"]`);
		expect(await row('apply').textContent()).toContain('after approve');
		expect(await row('tidy').textContent()).toContain('starts at once');

		await page.getByRole('button', { name: 'Move tidy up' }).click();
		await expect.poll(() => page.locator('li[data-step]').first().getAttribute('data-step')).toBe('prepare');
		await expect.poll(() => page.locator('li[data-step]').nth(2).getAttribute('data-step')).toBe('tidy');
		// Focus stays on the moved step's button, so pressing again keeps moving it.
		expect(await page.evaluate(() => document.activeElement?.getAttribute('aria-label'))).toBe('Move tidy up');
		await page.keyboard.press('Enter');
		await expect.poll(() => page.locator('li[data-step]').nth(1).getAttribute('data-step')).toBe('tidy');
		// Moving changed no dependency: apply still waits for approve.
		expect(await row('apply').textContent()).toContain('after approve');

		await page.getByRole('button', { name: 'Remove approve' }).click();
		await screenshot(page, 'builder-list-confirm');
		await row('approve').getByRole('button', { name: 'Remove' }).click();
		await expect.poll(() => row('approve').count()).toBe(0);
		expect(await row('apply').textContent()).not.toContain('approve');

		await page.getByRole('button', { name: 'Edit apply' }).click();
		await expect.poll(() => page.getByRole('complementary', { name: 'Selected step' }).getByLabel('Step id').inputValue()).toBe('apply');
		await screenshot(page, 'builder-list-1280');
	});

	it('works at tablet width', async () => {
		await page.setViewportSize({ width: 820, height: 1100 });
		await page.getByRole('tab', { name: 'Canvas' }).click();
		await expect.poll(() => page.locator('.svelte-flow__node').count()).toBeGreaterThan(3);
		await screenshot(page, 'builder-canvas-820');
		await page.getByRole('tab', { name: 'List' }).click();
		await screenshot(page, 'builder-list-820');
		expect(errors).toEqual([]);
	});

	it('shows step labels, risk and the list in Chinese', async () => {
		const zh = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN' });
		const zhPage = await zh.newPage();
		const zhErrors = collectPageErrors(zhPage);
		// The same session, in Chinese (the sign-in form would be in Chinese too).
		await zh.addCookies([...(await context.cookies()).filter((c) => c.name !== 'tend_lang'), { name: 'tend_lang', value: 'zh', url: webUrl() }]);
		await zhPage.goto(`${webUrl()}/runbooks/${name}/edit`);
		await expect.poll(() => zhPage.locator('.svelte-flow__node').count()).toBeGreaterThan(3);
		// The published version: approve is there, and apply is high risk behind it.
		expect(await zhPage.locator('.svelte-flow__node[data-id="approve"]').textContent()).toContain('请求审批');
		expect(await zhPage.locator('.svelte-flow__node[data-id="apply"]').textContent()).toContain('高风险');
		expect(await zhPage.getByRole('button', { name: '备份数据库', exact: true }).count()).toBe(1);
		await screenshot(zhPage, 'builder-canvas-zh');
		expect(zhErrors).toEqual([]);
		await zh.close();
	});
});
