import { eq } from 'drizzle-orm';
import { runs } from '../db/schema/index.ts';
import type { ActivityDeps, StepContext } from './step-context.ts';

/** The run's page, for links in messages; undefined when TEND_PUBLIC_URL is not set. */
export function runUrl(deps: ActivityDeps, runId: string): string | undefined {
	const base = deps.config.TEND_PUBLIC_URL;
	return base ? new URL(`/runs/${runId}`, base).href : undefined;
}

/** The step's body, or a line saying where the message comes from when the step wrote none. */
export async function bodyOrDefault(deps: ActivityDeps, ctx: StepContext, body: string): Promise<string> {
	if (body.trim()) return body;
	const [run] = await deps.db.select({ runbook: runs.runbookName }).from(runs).where(eq(runs.id, ctx.runId));
	return run ? `Sent by step ${ctx.stepId} of a run of the ${run.runbook} runbook.` : `Sent by step ${ctx.stepId}.`;
}

/** Text channels end with the run's link, so a reader can go from the message to what happened. */
export function withRunLink(body: string, url: string | undefined): string {
	if (!url || body.includes(url)) return body;
	return `${body.replace(/\s+$/, '')}\n\nRun: ${url}\n`;
}
