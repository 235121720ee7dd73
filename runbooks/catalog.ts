import type { z } from 'zod';
import { STEP_FACTS, type StepFacts } from './step-facts.ts';
import { STEP_WITH_SCHEMAS, type StepUses } from './step-schemas.ts';

/**
 * The step catalog (DESIGN §4): the facts of runbooks/step-facts.ts (what each step type does, its
 * risk, its outputs) with the schema of what it takes (`with`), for validation, the builder and the API.
 */
export type { Risk, StepFacts } from './step-facts.ts';
export { FOR_EACH_OUTPUTS } from './step-facts.ts';

export interface StepType extends StepFacts {
	/** Checks the step's `with` before a run (runbooks/step-schemas.ts). */
	withSchema: z.ZodType;
}

export const STEP_TYPES: readonly StepType[] = STEP_FACTS.map((facts) => ({ ...facts, withSchema: STEP_WITH_SCHEMAS[facts.uses as StepUses] }));

export const STEP_TYPE_BY_USES = new Map(STEP_TYPES.map((t) => [t.uses, t]));
