import { randomBytes } from 'node:crypto';
import type { Browser, Page } from 'playwright-core';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { webUrl } from '../helpers/api.ts';
import { collectPageErrors, launchBrowser, screenshot, signInAsAdmin } from '../helpers/browser.ts';
import { builderYaml } from '../helpers/builder.ts';

const suffix = randomBytes(3).toString('hex');
const STEP_TITLES: Record<string, string> = { backup: 'Back up database', approve: 'Ask for approval', update: 'Run admin SQL' };

describe('the builder’s step panel', () => {
	let browser: Browser;
	beforeAll(async () => {
		browser = await launchBrowser();
	});
	afterAll(async () => {
		await browser?.close();
	});

	/** The steps as the YAML tab holds them. */
	async function yamlSteps(page: Page): Promise<Array<Record<string, unknown>>> {
		const text = await builderYaml(page);
		return (parse(text) as { spec: { steps: Array<Record<string, unknown>> } }).spec.steps;
	}

	async function openStep(page: Page, id: string) {
		await page.locator(`.svelte-flow__node[data-id="${id}"]`).click();
		await page.getByRole('heading', { level: 2, name: STEP_TITLES[id] }).waitFor();
	}

	for (const width of [1280, 820]) {
		it(`edits a step's parameters and settings from its schema at ${width} px`, async () => {
			const context = await browser.newContext({ viewport: { width, height: 1000 }, locale: 'en-US' });
			const page = await context.newPage();
			const errors = collectPageErrors(page);
			await signInAsAdmin(page);
			await page.goto(`${webUrl()}/runbooks/new?template=starter&name=panel-${width}-${suffix}`);
			await expect.poll(() => page.locator('.svelte-flow__node').count()).toBeGreaterThan(3);

			await openStep(page, 'backup');
			const panel = page.locator('aside[aria-label="Selected step"]');
			expect(await panel.getByLabel('Database', { exact: true }).inputValue()).toBe('main');
			await panel.getByLabel('Jobs', { exact: true }).fill('40');
			await expect.poll(() => panel.getByText('Must be at most 16').count()).toBe(1);
			await screenshot(page, `step-panel-backup-${width}`);
			await panel.getByLabel('Jobs', { exact: true }).fill('');

			await openStep(page, 'approve');
			expect(await panel.getByLabel('Quorum', { exact: true }).inputValue()).toBe('1');
			await panel.getByRole('button', { name: 'Add to Escalate' }).click();
			await panel.getByRole('group', { name: 'Escalate 1' }).getByLabel('After', { exact: true }).fill('1h');
			await panel.getByRole('group', { name: 'Escalate 1' }).getByLabel('To', { exact: true }).fill('role:lead');
			await screenshot(page, `step-panel-approval-${width}`);

			await openStep(page, 'update');
			// Steps upstream of this one offer their outputs as expressions.
			const database = panel.getByLabel('Database', { exact: true });
			await database.fill('');
			await database.pressSequentially('${{ steps.b');
			const suggestions = panel.getByRole('listbox', { name: 'Suggested expressions' });
			await expect.poll(() => suggestions.count()).toBe(1);
			expect(await suggestions.textContent()).toContain('steps.backup.outputs.path');
			await screenshot(page, `step-panel-suggest-${width}`);
			await page.keyboard.press('Escape');
			await database.fill('main');
			await panel.getByText('Execution').click();
			await panel.getByLabel('Max attempts', { exact: true }).fill('2');
			await panel.getByText('Rollback', { exact: true }).click();
			await panel.getByLabel('Rollback step', { exact: true }).selectOption('postgres.restore');
			await panel.getByRole('group', { name: 'Rollback parameters' }).getByLabel('Database', { exact: true }).fill('main');
			await screenshot(page, `step-panel-sql-${width}`);

			const update = (await yamlSteps(page)).find((s) => s.id === 'update')!;
			expect(update.retry).toEqual({ maxAttempts: 2 });
			expect(update.rollback).toEqual({ uses: 'postgres.restore', with: { database: 'main' } });
			expect((await yamlSteps(page)).find((s) => s.id === 'approve')!.with).toMatchObject({ escalate: [{ after: '1h', to: 'role:lead' }] });
			expect(errors).toEqual([]);
			await context.close();
		});
	}
});
