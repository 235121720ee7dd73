import { render } from '@testing-library/svelte';
import { stepWithJsonSchema } from '../../runbooks/json-schema.ts';
import { STEP_FACTS } from '../../runbooks/step-facts.ts';
import StepPanel from '../../web/src/lib/builder/form/StepPanel.svelte';
import type { FieldError, StepDraft, StepTypeInfo } from '../../web/src/lib/builder/types.ts';

/** The catalog as the builder page hands it to the panel. */
export const STEP_TYPES: StepTypeInfo[] = STEP_FACTS.map((facts) => ({ ...facts, withSchema: stepWithJsonSchema(facts.uses)! }));

export const SUGGESTIONS = ['${{ inputs.database }}', '${{ inputs.release }}', '${{ steps.backup.outputs.path }}', '${{ steps.backup.outputs.backupId }}'];

/**
 * Renders the panel the way the page does: each change replaces the step, as the page would after
 * turning it into YAML, and every step the panel sent is kept for the test to read.
 */
export function renderPanel(step: StepDraft, errors: FieldError[] = []) {
	const sent: StepDraft[] = [];
	const deleted: number[] = [];
	const props = {
		step,
		stepTypes: STEP_TYPES,
		suggestions: SUGGESTIONS,
		errors,
		onchange: (next: StepDraft) => {
			sent.push(next);
			void view.rerender({ ...props, step: next });
		},
		ondelete: () => deleted.push(1)
	};
	const view = render(StepPanel, { props });
	return { ...view, sent, deleted, last: () => sent.at(-1) };
}
