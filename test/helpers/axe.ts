import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';

const axeSource = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

export interface AxeViolation {
	id: string;
	impact: string | null;
	help: string;
	nodes: string[];
}

/** Runs axe-core (from npm, injected into the page) and answers the serious and critical violations. */
export async function seriousViolations(page: Page): Promise<AxeViolation[]> {
	await page.addScriptTag({ path: axeSource });
	const violations = await page.evaluate(async () => {
		const result = await (window as unknown as { axe: { run: () => Promise<{ violations: Array<{ id: string; impact: string | null; help: string; nodes: Array<{ target: unknown[] }> }> }> } }).axe.run();
		return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => n.target.join(' ')) }));
	});
	return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}
