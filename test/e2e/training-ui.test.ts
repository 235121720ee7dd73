import { randomBytes } from 'node:crypto';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loginAsAdmin, webUrl, type ApiClient } from '../helpers/api.ts';
import { seriousViolations } from '../helpers/axe.ts';
import { collectPageErrors, launchBrowser, screenshot, signIn, signInAsAdmin } from '../helpers/browser.ts';
import { createPerson, type Person } from '../helpers/people.ts';

/**
 * The training pages in Chromium: a learner finds the module under My training, reads it, fails
 * the quiz once and passes it, and holds a certificate; the admin sees it on the matrix, exports
 * it as CSV and assigns through the form. Every page passes axe.
 */
const suffix = randomBytes(3).toString('hex');
const name = `ui-restore-${suffix}`;
const title = `Restore basics ${suffix}`;
const MODULE = `apiVersion: tend/v1
kind: TrainingModule
metadata: { name: ${name}, title: "${title}" }
spec:
  estimatedMinutes: 10
  validity: P12M
  content: |
    ## How a restore works

    Tend checks the **sha256** before anything is touched.

    <script>window.pwned = true</script>
  links:
    - { title: PostgreSQL backup docs, url: "https://www.postgresql.org/docs/current/backup.html" }
  quiz:
    passMark: 100
    attempts: 3
    questions:
      - id: sha
        text: What does Tend check first?
        options: [{ id: a, text: The sha256, correct: true }, { id: b, text: Nothing }]
      - id: lost
        text: What is lost by restoring last night's backup?
        type: multiple
        options: [{ id: a, text: This morning's customers, correct: true }, { id: b, text: This morning's deals, correct: true }, { id: c, text: Rows in the backup }]
`;

async function expectAccessible(page: Page, what: string) {
	expect(await seriousViolations(page), what).toEqual([]);
}

describe('the training pages', () => {
	let browser: Browser;
	let admin: ApiClient;
	let learner: Person;

	beforeAll(async () => {
		browser = await launchBrowser();
		admin = await loginAsAdmin();
		expect((await admin.send('POST', '/api/v1/training/modules', MODULE, 'application/yaml')).status).toBe(201);
		learner = await createPerson(admin, 'ui-learner', ['member']);
		expect((await admin.json('POST', '/api/v1/training/assignments', { module: name, assignees: [`user:${learner.username}`], due: 'P7D' })).status).toBe(201);
	});
	afterAll(async () => {
		await browser?.close();
	});

	it('lets a learner read a module, fail the quiz, pass it, and see the certificate', async () => {
		const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-US' });
		const page = await context.newPage();
		const errors = collectPageErrors(page);
		await signIn(page, learner.username, learner.password);

		await page.getByRole('navigation').getByRole('link', { name: 'Training' }).click();
		await page.waitForURL(/\/training$/);
		const row = page.getByRole('row', { name: new RegExp(title) });
		await expect.poll(() => row.textContent()).toContain('Due');
		await expectAccessible(page, 'my training');
		await screenshot(page, 'training-my-training');

		await row.getByRole('link', { name: /Open/ }).click();
		await page.waitForURL(/\/training\/[0-9a-f-]{36}$/);
		await expect.poll(() => page.getByRole('heading', { name: 'How a restore works' }).count()).toBe(1);
		expect(await page.evaluate(() => (window as unknown as { pwned?: boolean }).pwned)).toBeUndefined();
		expect(await page.locator('.markdown script').count()).toBe(0);
		// The page carries no answer: nothing marks the right options.
		expect(await page.content()).not.toContain('correct":true');
		await expectAccessible(page, 'module page');
		await screenshot(page, 'training-module');

		await page.getByRole('group', { name: /What does Tend check first/ }).getByLabel('Nothing').check();
		await page.getByRole('button', { name: 'Submit answers' }).click();
		await expect.poll(() => page.locator('[data-result]').getAttribute('data-result')).toBe('failed');
		expect(await page.locator('[data-result]').textContent()).toContain('You have 2 attempts left.');
		await screenshot(page, 'training-quiz-failed');

		await page.getByRole('group', { name: /What does Tend check first/ }).getByLabel('The sha256').check();
		const lost = page.getByRole('group', { name: /What is lost/ });
		await lost.getByLabel("This morning's customers").check();
		await lost.getByLabel("This morning's deals").check();
		await page.getByRole('button', { name: 'Submit answers' }).click();
		await expect.poll(() => page.locator('[data-result]').getAttribute('data-result')).toBe('passed');
		await expectAccessible(page, 'module page after passing');
		await screenshot(page, 'training-quiz-passed');

		await page.goto(`${webUrl()}/training`);
		const certificate = page.locator('[data-certificate]', { hasText: title });
		await expect.poll(() => certificate.textContent()).toContain('100%');
		await screenshot(page, 'training-certificates');

		// The same page in Chinese.
		await context.addCookies([{ name: 'tend_lang', value: 'zh', url: webUrl() }]);
		await page.reload();
		await expect.poll(() => page.getByRole('heading', { name: '我的培训' }).count()).toBe(1);
		await expectAccessible(page, 'my training in Chinese');
		await screenshot(page, 'training-my-training-zh');
		expect(errors).toEqual([]);
		await context.close();
	});

	it('shows the admin the matrix with completion rates, exports it, and assigns through the form', async () => {
		const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-US' });
		const page = await context.newPage();
		const errors = collectPageErrors(page);
		await signInAsAdmin(page);

		await page.getByRole('navigation').getByRole('link', { name: 'Training matrix' }).click();
		await page.waitForURL(/\/training\/matrix$/);
		const cell = page.locator(`tr[data-person="${learner.username}"] td[data-module="${name}"]`);
		await expect.poll(() => cell.getAttribute('data-status')).toBe('completed');
		expect(await page.locator('tr[data-role="member"]').textContent()).toMatch(/\d+ of \d+/);
		await expectAccessible(page, 'matrix');
		await screenshot(page, 'training-matrix');

		const csv = await admin.request('GET', '/training/matrix.csv');
		expect(csv.headers.get('content-type')).toContain('text/csv');
		const lines = (await csv.text()).split('\r\n');
		const header = lines[0].split(',');
		const mine = lines.find((l) => l.startsWith(`${learner.username},`))?.split(',') ?? [];
		expect(mine[header.indexOf(name)]).toBe('completed');

		await page.getByRole('link', { name: 'Assign training' }).click();
		await page.waitForURL(/\/training\/assign$/);
		await expectAccessible(page, 'assign form');
		await screenshot(page, 'training-assign');
		await page.getByLabel('Module').selectOption(name);
		await page.getByRole('button', { name: 'Assign' }).click();
		await expect.poll(() => page.locator('[role="alert"]').first().textContent()).toContain('Choose at least one person or role');
		await page.getByRole('group', { name: 'Roles' }).getByLabel('member').check();
		await page.getByRole('button', { name: 'Assign' }).click();
		await page.waitForURL(/\/training\/matrix\?assigned=/);
		await expect.poll(() => page.locator('.form-success').textContent()).toMatch(/Assigned to \d+ (person|people)/);
		expect(errors).toEqual([]);
		await context.close();
	});
});
