import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allowingTarget, login, loginAsAdmin, runEnded, webUrl, type ApiClient } from '../helpers/api.ts';
import { collectPageErrors, launchBrowser, screenshot, signInAsAdmin } from '../helpers/browser.ts';
import { insertRunRows } from '../helpers/run-rows.ts';
import { startWorker, type TestWorker } from '../helpers/worker.ts';

/**
 * The run console as responders use it: the list with its filters, a run followed live on its
 * graph, an approval decided beside its evidence (and refused to the person who started the run),
 * a rollback step by step, and what a person must undo when a rollback fails.
 */
describe('the run console in the browser', () => {
	let browser: Browser;
	let worker: TestWorker;
	let admin: ApiClient;
	let page: Page;
	let errors: string[];
	const suffix = randomBytes(3).toString('hex');
	const health = () => ({ uses: 'http.check', with: { url: `${webUrl()}/healthz`, expectStatus: 200 } });
	const broken = () => ({ uses: 'http.check', with: { url: `${webUrl()}/healthz`, expectStatus: 418 } });
	const once = { maxAttempts: 1, initialInterval: '1s' };
	const webTarget = `console-web-${suffix}`;

	beforeAll(async () => {
		[browser, worker, admin] = await Promise.all([launchBrowser(), startWorker(), loginAsAdmin()]);
		// The steps check the stack's own web app, which HTTP steps reach only through a target naming it with its port.
		await allowingTarget(admin, webTarget, [new URL(webUrl()).host]);
		page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
		errors = collectPageErrors(page);
		await signInAsAdmin(page);
	});
	afterAll(async () => {
		await browser?.close();
		await worker?.stop();
	});

	const publishAndStart = async (name: string, spec: object) => {
		const published = await admin.json('POST', '/api/v1/runbooks', { apiVersion: 'tend/v1', kind: 'Runbook', metadata: { name, title: name.replace(/-[0-9a-f]{6}$/, '').replaceAll('-', ' ') }, spec: { target: webTarget, ...spec } });
		expect([200, 201], JSON.stringify(published.body)).toContain(published.status);
		const started = await admin.json<{ id: string }>('POST', `/api/v1/runbooks/${name}/runs`, { inputs: {} });
		expect(started.status).toBe(201);
		return started.body.id;
	};

	/** Full-page screenshots at the desktop and the tablet width. */
	async function shoot(target: Page, name: string) {
		for (const width of [1280, 820]) {
			await target.setViewportSize({ width, height: 900 });
			await target.waitForTimeout(150);
			await screenshot(target, `${name}-${width}`);
		}
		await target.setViewportSize({ width: 1280, height: 900 });
	}

	it('filters the run list from the URL, pages by keyset and says when nothing matches', async () => {
		const db = new pg.Pool({ connectionString: process.env.TEST_APP_DATABASE_URL, max: 1 });
		const initiator = `console-${suffix}`;
		try {
			await insertRunRows(db, { count: 60, initiators: [initiator], targets: ['crm-demo', null], from: new Date(Date.now() - 3 * 86_400_000), to: new Date() });
		} finally {
			await db.end();
		}
		await page.goto(`${webUrl()}/runs`);
		await page.getByLabel('Started by').selectOption(initiator);
		await page.waitForURL(/initiator=/);
		await page.getByLabel('Target').selectOption('crm-demo');
		await page.waitForURL(/target=crm-demo/);
		const rows = page.getByRole('region', { name: 'Runs' }).locator('tbody tr');
		expect(await rows.count()).toBeGreaterThan(0);
		for (const cell of await rows.locator('td:nth-child(3)').allTextContents()) expect(cell.trim()).toBe(initiator);
		await shoot(page, 'runs-list-filters');

		// Keyset paging: older, then back to newer, shows the same first page again.
		const firstPage = await rows.locator('a[href^="/runs/"]').evaluateAll((links) => links.map((l) => l.getAttribute('href')));
		if (await page.getByRole('link', { name: 'Older →' }).count()) {
			await page.getByRole('link', { name: 'Older →' }).click();
			await page.waitForURL(/before=/);
			await page.getByRole('link', { name: '← Newer' }).click();
			await page.waitForURL(/after=/);
			expect(await rows.locator('a[href^="/runs/"]').evaluateAll((links) => links.map((l) => l.getAttribute('href')))).toEqual(firstPage);
		}

		await page.getByLabel('Status').selectOption('queued');
		await page.getByText('No runs match these filters').waitFor();
		await page.getByRole('link', { name: 'Clear filters' }).first().click();
		await page.waitForURL(`${webUrl()}/runs`);
	});

	it('follows a running run on its graph, opens a step from the graph and cancels with a confirmation', async () => {
		const id = await publishAndStart(`live-graph-${suffix}`, {
			steps: [
				{ id: 'precheck', name: 'Health before', ...health() },
				{ id: 'drain', name: 'Drain traffic', uses: 'wait', needs: ['precheck'], with: { duration: '5m' } },
				{ id: 'migrate', name: 'Apply migration', ...health(), needs: ['precheck'], risk: 'high' },
				{ id: 'verify', name: 'Verify', ...health(), needs: ['drain', 'migrate'] }
			]
		});
		await page.goto(`${webUrl()}/runs/${id}`);
		const graph = page.getByRole('group', { name: 'Run graph' });
		await graph.locator('[data-node-id="precheck"][data-node-status="succeeded"]').waitFor({ timeout: 60_000 });
		await graph.locator('[data-node-id="migrate.approval"][data-node-status="waiting"]').waitFor({ timeout: 30_000 });
		expect(await graph.locator('[data-node-id]').count()).toBe(5);
		await page.getByText('Live', { exact: true }).waitFor();
		await shoot(page, 'run-live-graph');

		await graph.locator('[data-node-id="precheck"]').click();
		await page.locator('[data-step-id="precheck"] details[open]').waitFor();
		await page.getByRole('button', { name: 'Cancel run' }).click();
		await page.getByRole('button', { name: 'Yes, cancel the run' }).click();
		await page.locator('[data-run-status="cancelled"]').waitFor({ timeout: 60_000 });
		await graph.locator('[data-node-id="drain"][data-node-status="cancelled"]').waitFor();
	});

	it('shows an approval beside its evidence, keeps the initiator out (four eyes) and lets another approver decide', async () => {
		const id = await publishAndStart(`approve-evidence-${suffix}`, {
			steps: [
				{ id: 'health', name: 'Health check', ...health() },
				{ id: 'approve', uses: 'approval', with: { approvers: ['role:approver'], quorum: 1, message: 'The CRM answers; go ahead with the update?', show: ['steps.health.outputs'] } },
				{ id: 'update', name: 'Update', ...health(), risk: 'high' }
			]
		});
		await page.goto(`${webUrl()}/runs/${id}`);
		const panel = page.getByRole('region', { name: 'Approval for approve' });
		await panel.waitFor({ timeout: 60_000 });
		await panel.getByText('You started this run, so another approver must decide').waitFor();
		expect(await panel.getByRole('button', { name: 'Approve' }).count()).toBe(0);
		expect(await panel.locator('pre').first().textContent()).toContain('status');

		const username = `approver-${suffix}`;
		const password = randomBytes(12).toString('base64url');
		expect((await admin.json('POST', '/api/v1/users', { username, password, roles: ['approver'], email: `${username}@example.test` })).status).toBe(201);
		await login(username, password);
		const approverPage = await browser.newPage({ viewport: { width: 1280, height: 900 } });
		const approverErrors = collectPageErrors(approverPage);
		await approverPage.goto(`${webUrl()}/login`);
		await approverPage.getByLabel('Username').fill(username);
		await approverPage.getByLabel('Password').fill(password);
		await approverPage.getByRole('button', { name: 'Sign in' }).click();
		await approverPage.waitForURL(`${webUrl()}/`);
		await approverPage.goto(`${webUrl()}/approvals`);
		await approverPage.getByRole('link', { name: 'Open the run' }).first().waitFor();
		await screenshot(approverPage, 'approvals-inbox-1280');
		await approverPage.goto(`${webUrl()}/runs/${id}#approval-approve`);
		const theirs = approverPage.getByRole('region', { name: 'Approval for approve' });
		await theirs.getByText(`Four eyes: admin started this run and may not decide it.`).waitFor();
		await shoot(approverPage, 'run-approval-evidence');
		await theirs.getByLabel('Comment').fill('Health output looks right');
		await theirs.getByRole('button', { name: 'Approve' }).click();
		await approverPage.locator('[data-run-status="succeeded"]').waitFor({ timeout: 60_000 });
		await approverPage.getByText(`approved by ${username}`).last().waitFor();
		expect(approverErrors).toEqual([]);
		await approverPage.close();
	});

	it('shows a rollback step by step', async () => {
		const id = await publishAndStart(`rolled-back-${suffix}`, {
			onFailure: 'rollback',
			steps: [
				{ id: 'snapshot', name: 'Take snapshot', ...health(), rollback: health() },
				{ id: 'switch', name: 'Switch traffic', ...health(), rollback: health() },
				{ id: 'smoke', name: 'Smoke test', ...broken(), retry: once }
			]
		});
		await page.goto(`${webUrl()}/runs/${id}`);
		await page.locator('[data-run-status="rolled_back"]').waitFor({ timeout: 60_000 });
		const rollback = page.getByRole('region', { name: 'Rollback' });
		await rollback.locator('[data-compensation="snapshot"]').waitFor();
		expect(await rollback.locator('[data-compensation]').evaluateAll((items) => items.map((i) => `${i.getAttribute('data-compensation')}:${i.getAttribute('data-status')}`))).toEqual(['switch:compensated', 'snapshot:compensated']);
		await shoot(page, 'run-rolled-back');
	});

	it('says plainly what a person must still undo after a failed rollback, and takes the ticks', async () => {
		const id = await publishAndStart(`rollback-incomplete-${suffix}`, {
			onFailure: 'rollback',
			steps: [
				{ id: 'export', name: 'Export customers', ...health(), retry: once, rollback: broken() },
				{ id: 'switch', name: 'Switch traffic', ...health(), rollback: health() },
				{ id: 'smoke', name: 'Smoke test', ...broken(), retry: once }
			]
		});
		await page.goto(`${webUrl()}/runs/${id}`);
		await page.locator('[data-run-status="rollback_incomplete"]').waitFor({ timeout: 60_000 });
		const undo = page.locator('[data-undo]');
		await undo.getByText('Undo step "export" by hand').waitFor({ timeout: 30_000 });
		const rollback = page.getByRole('region', { name: 'Rollback' });
		expect(await rollback.locator('[data-compensation]').evaluateAll((items) => items.map((i) => `${i.getAttribute('data-compensation')}:${i.getAttribute('data-status')}`))).toEqual(['switch:compensated', 'export:failed']);
		await shoot(page, 'run-rollback-incomplete');

		const checklist = page.locator('[data-checklist="rollback.manual"]');
		await checklist.getByRole('checkbox').first().check();
		await checklist.getByRole('button', { name: 'Tick off' }).click();
		await undo.getByText('Everything left to undo has been undone by hand.').waitFor({ timeout: 30_000 });
		expect((await runEnded(admin, id)).status).toBe('rollback_incomplete');

		// The same page in Chinese: every word of it, the run's own data aside.
		await page.context().addCookies([{ name: 'tend_lang', value: 'zh', url: webUrl() }]);
		await page.reload();
		await page.getByRole('heading', { name: '回滚', exact: true }).waitFor();
		await page.getByRole('heading', { name: '步骤', exact: true }).waitFor();
		await screenshot(page, 'run-rollback-incomplete-zh-1280');
		await page.context().clearCookies({ name: 'tend_lang' });
		expect(errors).toEqual([]);
	});
});
