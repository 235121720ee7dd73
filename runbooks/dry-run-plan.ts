import { effectiveRisk, gateId, planRun, topologicalOrder, type PlannedStep } from './run-model.ts';
import type { RunbookDocument, RunbookStep } from './schema.ts';

/** The plan's gate id and effective risk (runbooks/run-model.ts), under the names the dry run has always used. */
export const dryRunGateId = gateId;
export const riskOf = effectiveRisk;

/** A step of the plan, or the implicit approval gate the plan puts before a high-risk step (with that step at hand). */
export type PlanNode = Extract<PlannedStep, { kind: 'step' }> | { kind: 'gate'; id: string; needs: string[]; gateFor: RunbookStep };

/** The interpreter's own plan (runbooks/run-model.ts planRun): a runbook that reached the dry run has been validated. */
export function plan(runbook: RunbookDocument): PlanNode[] {
	const byId = new Map(runbook.spec.steps.map((s) => [s.id, s]));
	return planRun(runbook).map((node) => (node.kind === 'gate' ? { ...node, gateFor: byId.get(node.gateFor)! } : node));
}

/** Steps take equal time in a dry run: a step's wave is one more than the latest of the steps it needs. */
export function wavesOf(nodes: readonly PlanNode[]): Map<string, number> {
	const byId = new Map(nodes.map((n) => [n.id, n]));
	const waves = new Map<string, number>();
	for (const id of topologicalOrder(nodes.map((n) => n.id), new Map(nodes.map((n) => [n.id, n.needs])))) {
		waves.set(id, 1 + Math.max(0, ...byId.get(id)!.needs.map((n) => waves.get(n) ?? 0)));
	}
	return waves;
}
