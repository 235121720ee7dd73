import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { webUrl } from '../helpers/api.ts';
import { seriousViolations } from '../helpers/axe.ts';
import { collectPageErrors, launchBrowser, screenshot, signInAsAdmin } from '../helpers/browser.ts';

const UNSUCCESSFUL = ['failed', 'rolled_back', 'rollback_incomplete', 'cancelled'];

/** Runs straight into the ledger, one per status, started by `initiator`; answers their ids by status. */
async function insertRuns(db: pg.Pool, initiator: string, statuses: string[], steps: Array<{ id: string; uses: string; status: string }> = []): Promise<Record<string, string>> {
	const ids: Record<string, string> = {};
	for (const status of statuses) {
		const { rows } = await db.query<{ id: string }>(
			`with g as (select gen_random_uuid() as id)
			 insert into runs (id, runbook_name, version_id, version, status, initiator, inputs, workflow_id, created_at, started_at, finished_at)
			 select g.id, r.name, rv.id, rv.version, $2::run_status, $1, '{}'::jsonb, 'run-' || g.id, now(), now(), now() + interval '90 seconds'
			 from g, runbook_versions rv join runbooks r on r.id = rv.runbook_id where r.name = 'crm-nightly-backup' order by rv.version desc limit 1
			 returning id`,
			[initiator, status]
		);
		ids[status] = rows[0].id;
		for (const [position, step] of steps.entries()) {
			await db.query(`insert into run_steps (run_id, step_id, position, uses, status, attempts) values ($1, $2, $3, $4, $5::step_status, 1)`, [rows[0].id, step.id, position, step.uses, step.status]);
		}
	}
	return ids;
}

describe('runs that did not succeed', () => {
	let browser: Browser;
	let db: pg.Pool;
	const contexts: BrowserContext[] = [];
	const newPage = async (): Promise<{ page: Page; errors: string[] }> => {
		const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-GB' });
		contexts.push(context);
		const page = await context.newPage();
		const errors = collectPageErrors(page);
		await signInAsAdmin(page);
		return { page, errors };
	};

	beforeAll(async () => {
		browser = await launchBrowser();
		db = new pg.Pool({ connectionString: process.env.TEST_APP_DATABASE_URL, max: 1 });
	});
	afterAll(async () => {
		for (const context of contexts) await context.close();
		await browser?.close();
		await db?.end();
	});

	it('counts rolled-back, incomplete and cancelled runs with the failed ones on the dashboard', async () => {
		await insertRuns(db, `dash-${randomBytes(4).toString('hex')}`, ['rolled_back', 'rolled_back', 'cancelled', 'succeeded']);
		const { rows } = await db.query<{ n: number }>(`select count(*)::int as n from runs where status = any($1::run_status[]) and created_at >= now() - interval '7 days'`, [UNSUCCESSFUL]);
		const { page, errors } = await newPage();
		const card = page.getByTestId('unsuccessful-runs');
		expect(await card.locator('.stat-label').textContent()).toBe('Did not succeed, last 7 days');
		expect(Number((await card.locator('.stat-value').textContent())?.replace(/\D/g, ''))).toBe(rows[0].n);
		expect(await card.locator('.stat-hint').textContent()).toMatch(/\d+ rolled back/);
		expect(await seriousViolations(page)).toEqual([]);
		await screenshot(page, 'dashboard-unsuccessful');
		await card.click();
		await page.waitForURL(`${webUrl()}/runs?status=unsuccessful`);
		expect(errors).toEqual([]);
	});

	it('filters the runs list on every unsuccessful status together and on each apart', async () => {
		const initiator = `list-${randomBytes(4).toString('hex')}`;
		await insertRuns(db, initiator, [...UNSUCCESSFUL, 'succeeded']);
		const { page } = await newPage();
		const statusesShown = async (status: string) => {
			await page.goto(`${webUrl()}/runs?status=${status}&initiator=${initiator}`);
			return (await page.locator('tbody tr').allTextContents()).map((row) => row.trim()).length;
		};
		expect(await statusesShown('unsuccessful')).toBe(4);
		expect(await page.getByLabel('Status').inputValue()).toBe('unsuccessful');
		for (const status of UNSUCCESSFUL) expect(await statusesShown(status), status).toBe(1);
		expect(await statusesShown('succeeded')).toBe(1);
		await statusesShown('unsuccessful');
		expect(await seriousViolations(page)).toEqual([]);
		await screenshot(page, 'runs-unsuccessful');

		const api = await page.request.get(`${webUrl()}/api/v1/runs?status=unsuccessful&initiator=${initiator}`);
		expect(api.status()).toBe(200);
		expect(((await api.json()) as { runs: Array<{ status: string }> }).runs.map((run) => run.status).sort()).toEqual([...UNSUCCESSFUL].sort());
	});

	it("counts a finished run's steps by outcome", async () => {
		const steps = [
			{ id: 'snapshot', uses: 'postgres.backup', status: 'succeeded' },
			{ id: 'verify', uses: 'postgres.verify', status: 'succeeded' },
			{ id: 'prune', uses: 'backups.prune', status: 'succeeded' },
			{ id: 'report', uses: 'postgres.query', status: 'failed' },
			{ id: 'notify', uses: 'notify.email', status: 'cancelled' }
		];
		const ids = await insertRuns(db, `steps-${randomBytes(4).toString('hex')}`, ['failed'], steps);
		const { page, errors } = await newPage();
		await page.goto(`${webUrl()}/runs/${ids.failed}`);
		expect(await page.getByTestId('run-progress').textContent()).toBe('3 succeeded, 1 failed, 1 cancelled of 5 steps');
		await screenshot(page, 'run-progress-by-outcome');
		expect(errors).toEqual([]);
	});

	it('says in one sentence what happened when a rolled-back run had nothing to undo (monthly update 1.3)', async () => {
		const steps = [
			{ id: 'backup', uses: 'postgres.backup', status: 'succeeded' },
			{ id: 'update', uses: 'postgres.migrate', status: 'failed' },
			{ id: 'verify', uses: 'sql.check', status: 'cancelled' }
		];
		const ids = await insertRuns(db, `undo-${randomBytes(4).toString('hex')}`, ['rolled_back'], steps);
		const { page, errors } = await newPage();
		await page.goto(`${webUrl()}/runs/${ids.rolled_back}`);
		const rollback = page.locator('[data-rollback]');
		expect(await rollback.textContent()).toContain('Nothing to undo');
		expect(await rollback.textContent()).toContain('The run stopped when “update” failed, before any step had changed anything, so there was nothing to undo.');
		expect(await rollback.textContent()).not.toContain('Nothing needed undoing');
		expect(await seriousViolations(page)).toEqual([]);
		await screenshot(page, 'run-rolled-back-nothing-to-undo');
		expect(errors).toEqual([]);
	});
});
