import { and, eq, inArray, isNull } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { runbooks, runbookVersions, runs, trainingAssignments, trainingModules } from '../db/schema/index.ts';
import { guardedStep } from '../runbooks/run-model.ts';
import type { RunbookDocument } from '../runbooks/schema.ts';

/**
 * Training-gated rights: a step may say `requires: { training: [module] }`, and only people who
 * hold a current completion of each module may approve it (or the implicit gate before it).
 */

export interface MissingTraining {
	module: string;
	title: string;
	/** Where to take it: the person's own assignment when there is one, else My training. */
	link: string;
}

/** The modules a run's step (or the step an implicit gate guards) requires, from the version the run runs. */
export async function requiredTraining(db: Db, runId: string, stepId: string): Promise<string[]> {
	const [row] = await db
		.select({ document: runbookVersions.document })
		.from(runs)
		.innerJoin(runbooks, eq(runbooks.name, runs.runbookName))
		.innerJoin(runbookVersions, and(eq(runbookVersions.runbookId, runbooks.id), eq(runbookVersions.version, runs.version)))
		.where(eq(runs.id, runId));
	if (!row) return [];
	const document = row.document as unknown as RunbookDocument;
	const id = guardedStep(stepId) ?? stepId;
	const step = [...document.spec.steps, ...(document.spec.finally ?? [])].find((s) => s.id === id);
	return step?.requires?.training ?? [];
}

/** Of `modules`, those the person holds no current completion of, with where to take each. */
export async function missingTraining(db: Db, userId: string, modules: readonly string[], now = new Date()): Promise<MissingTraining[]> {
	if (modules.length === 0) return [];
	const rows = await db
		.select({ name: trainingModules.name, title: trainingModules.title, id: trainingAssignments.id, status: trainingAssignments.status, expiresAt: trainingAssignments.expiresAt })
		.from(trainingModules)
		.leftJoin(trainingAssignments, and(eq(trainingAssignments.moduleId, trainingModules.id), eq(trainingAssignments.userId, userId), isNull(trainingAssignments.cancelledAt)))
		.where(inArray(trainingModules.name, [...modules]));
	const byName = new Map(rows.map((r) => [r.name, r]));
	const missing: MissingTraining[] = [];
	for (const module of modules) {
		const row = byName.get(module);
		const current = row?.status === 'completed' && (!row.expiresAt || row.expiresAt.getTime() > now.getTime());
		if (current) continue;
		missing.push({ module, title: row?.title ?? module, link: row?.id ? `/training/${row.id}` : '/training' });
	}
	return missing;
}

/** "Restore basics (restore-basics) at /training/…" — for a refusal's words. */
export function describeMissing(missing: readonly MissingTraining[]): string {
	return missing.map((m) => `"${m.title}" (${m.module}) at ${m.link}`).join(', ');
}

