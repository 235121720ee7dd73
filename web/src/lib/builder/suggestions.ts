import { FOR_EACH_OUTPUTS } from '../../../../runbooks/step-facts.ts';
import type { BuilderStep } from './model.ts';
import type { StepTypeInfo } from './types.ts';

/**
 * The expressions a step may use, offered by its form: every input, and the outputs of the steps
 * that finish before it (only those have outputs when it runs).
 */
export function expressionSuggestions(inputs: readonly string[], upstream: readonly BuilderStep[], stepTypes: readonly StepTypeInfo[]): string[] {
	const byUses = new Map(stepTypes.map((t) => [t.uses, t]));
	const fromInputs = inputs.map((name) => `\${{ inputs.${name} }}`);
	const fromSteps = upstream.flatMap(({ step }) => outputsOf(step, byUses).map((output) => `\${{ steps.${step.id}.outputs.${output} }}`));
	return [...fromInputs, ...fromSteps];
}

/** A `forEach` step gives back its items' results, not one item's outputs. */
function outputsOf(step: BuilderStep['step'], byUses: Map<string, StepTypeInfo>): readonly string[] {
	if (step.forEach !== undefined) return FOR_EACH_OUTPUTS;
	return byUses.get(step.uses)?.outputs ?? [];
}
