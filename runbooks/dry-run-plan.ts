import type { RunbookDocument, RunbookStep } from './schema.ts';
import { STEP_FACTS_BY_USES, type Risk } from './step-facts.ts';

/** workflows/definitions.ts gateId; repeated here because that module loads the workflow runtime. */
export const dryRunGateId = (stepId: string) => `${stepId}.approval`;

/** A step of the plan, or the implicit approval gate the plan puts before a high-risk step. */
export type PlanNode = { kind: 'step'; id: string; step: RunbookStep; needs: string[]; approvals?: string[] } | { kind: 'gate'; id: string; needs: string[]; gateFor: RunbookStep };

export function riskOf(step: RunbookStep): Risk {
	return step.risk ?? STEP_FACTS_BY_USES.get(step.uses)?.defaultRisk ?? 'low';
}

/** workflows/plan.ts planRun, without its errors: a runbook that reached the dry run has been validated. */
export function plan(runbook: RunbookDocument): PlanNode[] {
	const steps = runbook.spec.steps;
	const byId = new Map(steps.map((s) => [s.id, s]));
	const needs = new Map(steps.map((s, i) => [s.id, (s.needs ?? (i > 0 ? [steps[i - 1].id] : [])).filter((n) => byId.has(n))]));
	const ancestors = new Map<string, Set<string>>();
	const ancestorsOf = (id: string, seen = new Set<string>()): Set<string> => {
		const known = ancestors.get(id);
		if (known) return known;
		const found = new Set<string>();
		seen.add(id);
		for (const n of needs.get(id) ?? []) {
			if (seen.has(n)) continue;
			found.add(n);
			for (const a of ancestorsOf(n, seen)) found.add(a);
		}
		ancestors.set(id, found);
		return found;
	};
	return steps.flatMap((step): PlanNode[] => {
		const own = needs.get(step.id)!;
		if (step.uses === 'approval' || riskOf(step) !== 'high') return [{ kind: 'step', id: step.id, step, needs: own }];
		const covering = [...ancestorsOf(step.id)].filter((id) => byId.get(id)!.uses === 'approval');
		if (covering.length) return [{ kind: 'step', id: step.id, step, needs: own, approvals: covering }];
		const gate = dryRunGateId(step.id);
		return [
			{ kind: 'gate', id: gate, needs: own, gateFor: step },
			{ kind: 'step', id: step.id, step, needs: [gate], approvals: [gate] }
		];
	});
}

/** Steps take equal time in a dry run: a step's wave is one more than the latest of the steps it needs. */
export function wavesOf(nodes: readonly PlanNode[]): Map<string, number> {
	const byId = new Map(nodes.map((n) => [n.id, n]));
	const waves = new Map<string, number>();
	const waveOf = (id: string, depth = 0): number => {
		const known = waves.get(id);
		if (known !== undefined) return known;
		// A cycle cannot reach here after validation; the depth bound keeps a bad document from hanging the page.
		const node = byId.get(id);
		const wave = node && depth < nodes.length ? 1 + Math.max(0, ...node.needs.map((n) => waveOf(n, depth + 1))) : 1;
		waves.set(id, wave);
		return wave;
	};
	for (const node of nodes) waveOf(node.id);
	return waves;
}
