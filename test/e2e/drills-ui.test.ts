import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, loginAsAdmin, runEnded, webUrl, type ApiClient } from '../helpers/api.ts';
import { seriousViolations } from '../helpers/axe.ts';
import { collectPageErrors, launchBrowser, screenshot, signIn } from '../helpers/browser.ts';
import { createPerson, uniqueName, type Person } from '../helpers/people.ts';
import { startWorker, type TestWorker } from '../helpers/worker.ts';

/**
 * The drill pages in Chromium: the scoreboard, a drill's page, and the live drill run page where a
 * responder presses "I'm on it"; the recovery's approval is given by a second person, and the
 * scores stand beside the objectives. English and Chinese, no serious axe violations.
 */
describe('the drill pages', () => {
	let browser: Browser;
	let worker: TestWorker;
	let admin: ApiClient;
	let responder: Person;
	let approver: Person;
	beforeAll(async () => {
		[browser, worker, admin] = await Promise.all([launchBrowser(), startWorker(), loginAsAdmin()]);
		responder = await createPerson(admin, 'responder', ['responder']);
		approver = await createPerson(admin, 'approver', ['approver']);
		const { body } = await admin.json<{ id: string }>('POST', '/api/v1/runbooks/crm-nightly-backup/runs', { inputs: {} });
		expect((await runEnded<{ status: string }>(admin, body.id, 300_000)).status).toBe('succeeded');
	}, 400_000);
	afterAll(async () => {
		await browser?.close();
		await worker?.stop();
	});

	it('lets a responder start a drill, acknowledge it on the page and see the scores', async () => {
		const name = uniqueName('ui-drill');
		const source = `apiVersion: tend/v1
kind: Drill
metadata: { name: ${name}, title: Customers dropped (UI), description: The customers table is gone. }
spec:
  target: crm-demo
  scenario: { fault: table.drop, with: { table: customers }, description: DROP TABLE customers CASCADE }
  recovery: { runbook: crm-restore-in-place }
  objectives: { acknowledge: 15m, rto: 1h, rpo: 30d }
  responders: [user:${responder.username}, role:admin]
`;
		expect((await admin.send('POST', '/api/v1/drills', source, 'application/yaml')).status).toBe(201);

		const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-US' });
		const page = await context.newPage();
		const errors = collectPageErrors(page);
		await signIn(page, responder.username, responder.password);
		await page.getByRole('navigation').getByRole('link', { name: 'Drills' }).click();
		await page.waitForURL(/\/drills$/);
		const row = page.getByRole('row', { name: /Customers dropped \(UI\)/ });
		expect(await row.textContent()).toContain('Never drilled');
		expect(await seriousViolations(page)).toEqual([]);
		await screenshot(page, 'drills-scoreboard');

		await row.getByRole('button', { name: 'Start drill' }).click();
		await page.waitForURL(/\/drills\/runs\/[0-9a-f-]+$/);
		const id = page.url().split('/').pop()!;
		const ack = page.getByRole('button', { name: 'I’m on it' }).or(page.getByRole('button', { name: "I'm on it" }));
		await ack.waitFor({ timeout: 180_000 });
		expect(await seriousViolations(page)).toEqual([]);
		await screenshot(page, 'drill-run-waiting');
		await ack.click();
		await page.getByText(`Acknowledged by ${responder.username}`).waitFor({ timeout: 30_000 });

		const recoveryRunId = await eventually('the recovery run', async () => (await admin.json<{ recoveryRunId: string | null }>('GET', `/api/v1/drill-runs/${id}`)).body.recoveryRunId ?? undefined);
		const gate = await eventually('the recovery approval', async () => {
			const { body } = await admin.json<{ steps: Array<{ id: string; status: string }> }>('GET', `/api/v1/runs/${recoveryRunId}`);
			return body.steps?.find((s) => s.id.endsWith('.approval') && s.status === 'waiting');
		});
		expect((await approver.api.json('POST', `/api/v1/runs/${recoveryRunId}/steps/${gate.id}/decision`, { decision: 'approve' })).status).toBe(200);

		await page.getByRole('heading', { name: 'Scores' }).waitFor({ timeout: 180_000 });
		await page.getByText('passed').first().waitFor({ timeout: 60_000 });
		expect(await page.locator('.met-true').count()).toBeGreaterThanOrEqual(2);
		expect(await seriousViolations(page)).toEqual([]);
		await screenshot(page, 'drill-run-passed');

		await page.getByLabel('What went well').fill('Paged at once, recovered inside the hour.');
		await page.getByRole('button', { name: 'Add an action item' }).click();
		await page.getByLabel('Action').fill('Automate the approval note');
		await page.getByLabel('Owner').fill(responder.username);
		await page.getByLabel('Due').fill('2027-02-01');
		await page.getByRole('button', { name: 'Save the debrief' }).click();
		await page.getByText(`Debrief saved by ${responder.username}`).waitFor();

		await page.goto(`${webUrl()}/drills/${name}`);
		expect(await page.getByRole('row', { name: /passed/ }).count()).toBe(1);
		expect(await seriousViolations(page)).toEqual([]);
		await screenshot(page, 'drill-page');

		// Chinese, through the language cookie.
		await context.addCookies([{ name: 'tend_lang', value: 'zh', url: webUrl() }]);
		await page.goto(`${webUrl()}/drills`);
		await page.getByRole('heading', { name: '演练' }).waitFor();
		expect(await seriousViolations(page)).toEqual([]);
		await screenshot(page, 'drills-scoreboard-zh');
		expect(errors).toEqual([]);
		await context.close();
	}, 600_000);
});
