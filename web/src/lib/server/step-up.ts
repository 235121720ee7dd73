import { eq } from 'drizzle-orm';
import { runbookVersions, runs } from '$db/schema/index.ts';
import { planRun, PlanError } from '$runbooks/run-model.ts';
import { runbookSchema } from '$runbooks/schema.ts';
import { getDb } from './db.ts';
import { getSettings } from './settings.ts';
import { isRunId } from './views/runs.ts';

/**
 * Step-up for risky approvals (issue 12): approving a step that guards a high-risk step (an
 * implicit gate, or an approval on the path of one) needs a second factor given within the
 * policy's `stepUpMinutes`, by whoever has one. A token cannot prove a fresh factor, so it cannot
 * approve such a step for a person who has one. Rejecting never needs it: saying no is never risky.
 */
export class StepUpRequiredError extends Error {
	override name = 'StepUpRequiredError';
}

/** Whether `stepId` of the run is an approval that a high-risk step waits on. */
async function guardsHighRisk(runId: string, stepId: string): Promise<boolean> {
	if (!isRunId(runId)) return false;
	const [row] = await getDb().select({ document: runbookVersions.document }).from(runs).innerJoin(runbookVersions, eq(runbookVersions.id, runs.versionId)).where(eq(runs.id, runId));
	const document = row ? runbookSchema.safeParse(row.document) : null;
	if (!document?.success) return false;
	try {
		return planRun(document.data).some((node) => node.kind === 'step' && node.approvals?.includes(stepId));
	} catch (error) {
		if (error instanceof PlanError) return false;
		throw error;
	}
}

export async function assertFreshSecondFactor(locals: App.Locals, runId: string, stepId: string, decision: 'approve' | 'reject', now = Date.now()): Promise<void> {
	const user = locals.user;
	if (decision !== 'approve' || !user?.mfaEnrolled) return;
	const { stepUpMinutes } = (await getSettings()).mfa;
	if (stepUpMinutes === 0 || !(await guardsHighRisk(runId, stepId))) return;
	const provedAt = locals.session?.secondFactorAt?.getTime();
	if (provedAt !== undefined && now - provedAt <= stepUpMinutes * 60_000) return;
	throw new StepUpRequiredError(
		locals.apiToken
			? 'approving a step before a high-risk one needs a fresh second factor, which a token cannot give: approve signed in'
			: `approving a step before a high-risk one needs your second factor within the last ${stepUpMinutes} minutes: POST /api/v1/me/mfa/step-up {code}, then approve again`
	);
}
