import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { freePort } from '../../dev/ports.ts';
import { startStack } from '../../dev/stack.ts';
import { loginAsAdmin, type ApiClient } from '../helpers/api.ts';
import { launchBrowser, signInAsAdmin } from '../helpers/browser.ts';
import { median, percentile, report } from './harness.ts';

/**
 * The builder's canvas with a 200-step runbook against a 5-step one, on a real stack (built web
 * app, PostgreSQL, Temporal) in headless chromium: (1) from navigating to the edit page until every
 * node is drawn and a click on one opens it in the side panel; (2) how smooth dragging a node is:
 * ~60 mouse moves over ~1 s while the page records its requestAnimationFrame intervals.
 * The stack builds the web app into the shared build folder: run it under the integration lock.
 */
const SIDE_PANEL = 'Selected step';

export default async function builderBench({ rounds = Number(process.env.BENCH_BUILDER_N ?? 6), drags = Number(process.env.BENCH_BUILDER_DRAGS ?? 4) } = {}): Promise<void> {
	const home = mkdtempSync(join(tmpdir(), 'tend-bench-builder-'));
	chmodSync(home, 0o755);
	const adminPassword = randomBytes(12).toString('base64url');
	const ports = { web: await freePort(), postgres: await freePort(), temporal: await freePort(), temporalUi: await freePort(), temporalHttp: await freePort(), smtp: await freePort() };
	const stack = await startStack({ home, ports, adminPassword, worker: false, builtInSchedules: false, log: () => {} });
	// The test helpers find the stack through these, as under the integration project.
	Object.assign(process.env, { TEST_WEB_URL: stack.webUrl, TEST_ADMIN_PASSWORD: adminPassword });
	const browser = await launchBrowser();
	try {
		const admin = await loginAsAdmin();
		const suffix = randomBytes(3).toString('hex');
		const small = await publish(admin, `bench-canvas-small-${suffix}`, 5);
		const large = await publish(admin, `bench-canvas-large-${suffix}`, 200);
		const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
		const page = await context.newPage();
		await signInAsAdmin(page);

		// One visit each to warm the server's caches and the browser's code cache.
		for (const runbook of [small, large]) await openAndClick(page, stack.webUrl, runbook);
		const load = { baseline: [] as number[], candidate: [] as number[] };
		for (let i = 0; i < rounds; i++) {
			// Alternated, so drift on a shared machine hits both alike.
			load.baseline.push(await openAndClick(page, stack.webUrl, small));
			load.candidate.push(await openAndClick(page, stack.webUrl, large));
		}
		report(`builder: edit page navigation → all nodes drawn and a node click shown in the side panel, ${rounds} rounds`, '5 steps (baseline)', '200 steps', load);

		const frames = { small: [] as number[], large: [] as number[] };
		for (const [runbook, into] of [
			[small, frames.small],
			[large, frames.large]
		] as const) {
			await openAndClick(page, stack.webUrl, runbook);
			for (let i = 0; i < drags; i++) into.push(...(await dragFrames(page, runbook.middle)));
		}
		const line = (label: string, values: number[]) =>
			console.log(
				`  ${label.padEnd(34)} p50 ${percentile(values, 50).toFixed(1).padStart(6)} ms   p95 ${percentile(values, 95).toFixed(1).padStart(6)} ms   over 50 ms ${values.filter((v) => v > 50).length}/${values.length}`
			);
		console.log(`\nbuilder: dragging a node (~60 moves over ~1 s, ${drags} drags each), requestAnimationFrame intervals`);
		line('5 steps (baseline)', frames.small);
		line('200 steps', frames.large);
		const ratio = (p: number) => (percentile(frames.large, p) / percentile(frames.small, p)).toFixed(3);
		console.log(`  ratio p50/p50 ${ratio(50)}   p95/p95 ${ratio(95)}   (median load ratio ${(median(load.candidate) / median(load.baseline)).toFixed(3)})`);
		await context.close();
	} finally {
		await browser.close();
		await stack.stop();
		rmSync(home, { recursive: true, force: true });
	}
}

interface Published {
	name: string;
	steps: number;
	/** A step in the middle of the graph: the one clicked and dragged. */
	middle: string;
}

/** A chain of `wait` steps where every fifth also waits for the step five back: a chain with fan-out, as long runbooks have. */
async function publish(admin: ApiClient, name: string, count: number): Promise<Published> {
	const id = (i: number) => `step_${i}`;
	const steps = Array.from({ length: count }, (_, i) => {
		const needs = i >= 5 && i % 5 === 0 ? `\n      needs: [${id(i - 5)}, ${id(i - 1)}]` : i % 7 === 3 && i > 3 ? `\n      needs: [${id(i - 3)}]` : '';
		return `    - id: ${id(i)}\n      uses: wait${needs}\n      with: { duration: 1s }`;
	});
	const source = `apiVersion: tend/v1\nkind: Runbook\nmetadata: { name: ${name}, title: Bench canvas ${count} }\nspec:\n  steps:\n${steps.join('\n')}\n`;
	const response = await admin.send('POST', '/api/v1/runbooks', source, 'application/yaml');
	if (response.status !== 201) throw new Error(`publishing ${name} failed: ${response.status} ${await response.text()}`);
	return { name, steps: count, middle: id(Math.floor(count / 2)) };
}

/** Milliseconds from starting the navigation until every node is drawn and a click on one has opened the side panel. */
async function openAndClick(page: Page, webUrl: string, runbook: Published): Promise<number> {
	const started = performance.now();
	await page.goto(`${webUrl}/runbooks/${runbook.name}/edit`, { waitUntil: 'commit' });
	await page.waitForFunction((count) => document.querySelectorAll('.svelte-flow__node').length === count, runbook.steps, { polling: 'raf' });
	const node = page.locator(`.svelte-flow__node[data-id="${runbook.middle}"]`);
	await node.click();
	// The side panel shows the clicked step: its id field holds the step's id.
	const stepId = page.getByRole('complementary', { name: SIDE_PANEL }).getByLabel('Step id');
	const deadline = performance.now() + 60_000;
	while ((await stepId.inputValue({ timeout: 60_000 }).catch(() => '')) !== runbook.middle) {
		if (performance.now() > deadline) throw new Error(`the side panel never showed ${runbook.middle}`);
		await page.waitForTimeout(5);
	}
	await page.waitForFunction((id) => document.querySelector(`.svelte-flow__node[data-id="${id}"]`)?.classList.contains('selected'), runbook.middle, { polling: 'raf' });
	return performance.now() - started;
}

/** Drags a node by 60 small moves ~16 ms apart and returns the page's frame intervals meanwhile. */
async function dragFrames(page: Page, id: string): Promise<number[]> {
	const box = await page.locator(`.svelte-flow__node[data-id="${id}"]`).boundingBox();
	if (!box) throw new Error(`node ${id} is not on screen`);
	// A string, not a function: tsx names inner functions with a helper the page does not have.
	await page.evaluate(`(() => {
		window.benchFrames = [];
		window.benchRecording = true;
		let last = performance.now();
		function frame(now) {
			window.benchFrames.push(now - last);
			last = now;
			if (window.benchRecording) requestAnimationFrame(frame);
		}
		requestAnimationFrame(frame);
	})()`);
	const x = box.x + box.width / 2;
	const y = box.y + box.height / 2;
	await page.mouse.move(x, y);
	await page.mouse.down();
	for (let i = 1; i <= 60; i++) {
		await page.mouse.move(x + i * 3, y + Math.sin(i / 6) * 40);
		await page.waitForTimeout(16);
	}
	await page.mouse.up();
	const intervals = await page.evaluate(() => {
		const state = window as unknown as { benchFrames: number[]; benchRecording: boolean };
		state.benchRecording = false;
		return state.benchFrames;
	});
	// The first interval runs from the recorder's set-up, not from a frame.
	return intervals.slice(1);
}
