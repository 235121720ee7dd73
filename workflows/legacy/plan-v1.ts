import { STEP_FACTS_BY_USES } from '../../runbooks/step-facts.ts';
import type { RunbookDocument, RunbookStep } from '../../runbooks/schema.ts';
import { gateId } from '../definitions.ts';

/**
 * Turns a runbook's step list into the graph a run executes (DESIGN §3): a step without `needs`
 * follows the step listed before it, a step with `needs` waits for exactly those (`needs: []`
 * makes it a root), and a high-risk step with no approval step among its ancestors gets an
 * implicit approval gate in front of it. Pure, so it is computed identically on every replay.
 */
export type PlannedStep =
	| { kind: 'step'; id: string; step: RunbookStep; needs: string[]; /** Set for high-risk steps: the approvals on the path, one of which must have approved. */ approvals?: string[] }
	| { kind: 'gate'; id: string; needs: string[]; gateFor: string };

export class PlanError extends Error {
	override name = 'PlanError';
}

export function effectiveRisk(step: RunbookStep) {
	return step.risk ?? STEP_FACTS_BY_USES.get(step.uses)?.defaultRisk ?? 'low';
}

/** Every step's ancestors, or a PlanError naming the steps caught in a cycle. */
function ancestorsOf(steps: readonly RunbookStep[], needs: Map<string, string[]>): Map<string, Set<string>> {
	const ancestors = new Map<string, Set<string>>();
	let remaining = steps.map((s) => s.id);
	while (remaining.length) {
		const ready = remaining.filter((id) => needs.get(id)!.every((n) => ancestors.has(n)));
		if (!ready.length) throw new PlanError(`needs form a cycle among steps ${remaining.join(', ')}`);
		for (const id of ready) ancestors.set(id, new Set(needs.get(id)!.flatMap((n) => [n, ...ancestors.get(n)!])));
		remaining = remaining.filter((id) => !ancestors.has(id));
	}
	return ancestors;
}

export function planRun(document: RunbookDocument): PlannedStep[] {
	const steps = document.spec.steps;
	const byId = new Map(steps.map((s) => [s.id, s]));
	const needs = new Map(steps.map((s, i) => [s.id, s.needs ?? (i > 0 ? [steps[i - 1].id] : [])]));
	for (const [id, list] of needs) {
		const unknown = list.find((n) => !byId.has(n));
		if (unknown !== undefined) throw new PlanError(`step "${id}" needs unknown step "${unknown}"`);
	}
	const ancestors = ancestorsOf(steps, needs);

	const plan: PlannedStep[] = [];
	for (const step of steps) {
		if (step.uses === 'approval' || effectiveRisk(step) !== 'high') {
			plan.push({ kind: 'step', id: step.id, step, needs: needs.get(step.id)! });
			continue;
		}
		const covering = [...ancestors.get(step.id)!].filter((id) => byId.get(id)!.uses === 'approval');
		if (covering.length) {
			plan.push({ kind: 'step', id: step.id, step, needs: needs.get(step.id)!, approvals: covering });
			continue;
		}
		// A gate covers only the step it stands before: its approvers are asked about that one step.
		const gate = gateId(step.id);
		plan.push({ kind: 'gate', id: gate, needs: needs.get(step.id)!, gateFor: step.id });
		plan.push({ kind: 'step', id: step.id, step, needs: [gate], approvals: [gate] });
	}
	return plan;
}
