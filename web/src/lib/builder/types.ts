import type { JsonSchema } from '../../../../runbooks/json-schema.ts';
import type { StepFacts } from '../../../../runbooks/step-facts.ts';

/**
 * What the builder's parts share. The builder works on plain data as an author writes it (before
 * zod fills defaults), so a step shows exactly what its YAML says.
 */

/** A catalog entry as the browser gets it: the step facts plus the JSON Schema of `with`. */
export interface StepTypeInfo extends StepFacts {
	withSchema: JsonSchema;
}

/** One step as written in the YAML (`id`, `uses`, `with`, `needs`, `if`, `retry`, `timeout`, `risk`, `onFailure`, `rollback`, `forEach`, `name`). */
export type StepDraft = { id: string; uses: string } & Record<string, unknown>;

/** A finding about one step; `path` is relative to the step (`with.database`, `retry.maxAttempts`, `id`). */
export interface FieldError {
	path: string;
	message: string;
}
