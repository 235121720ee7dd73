import { z } from 'zod';
import { duration } from '../../../../../runbooks/fields.ts';
import type { JsonSchema } from '../../../../../runbooks/json-schema.ts';
import { forEachSchema, retrySchema } from '../../../../../runbooks/schema.ts';
import { isEmpty, isObject, withKey } from './schema-form.ts';
import type { StepDraft } from '../types.ts';

/**
 * The execution settings every step has (DESIGN §3), as JSON Schema from the same zod schemas the
 * validator uses, so the form's bounds and defaults are the language's.
 */
const generate = (schema: z.ZodType): JsonSchema => {
	const generated = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
	delete generated.$schema;
	return generated;
};

export const RETRY_SCHEMA = generate(retrySchema);
export const FOR_EACH_SCHEMA = generate(forEachSchema);
export const DURATION_SCHEMA = generate(duration);
export const RISK_SCHEMA: JsonSchema = { type: 'string', enum: ['low', 'medium', 'high'] };
export const ON_FAILURE_SCHEMA: JsonSchema = { type: 'string', enum: ['rollback', 'stop', 'continue'] };
export const TEXT_SCHEMA: JsonSchema = { type: 'string' };

/**
 * The step with `key` set, or without it when emptied: the YAML holds only what the author set,
 * never an `undefined`. The id and type stay whatever they are (an empty id is flagged, not dropped).
 */
export function withStepField(step: StepDraft, key: string, value: unknown): StepDraft {
	if (key === 'id' || key === 'uses') return { ...step, [key]: typeof value === 'string' ? value : '' };
	return withKey(step, key, value);
}

/**
 * The rollback with another step type: parameters the new type also has are kept, the others
 * would only be flagged as unknown.
 */
export function withRollbackUses(rollback: unknown, uses: string, schema: JsonSchema | undefined): Record<string, unknown> | undefined {
	if (!uses) return undefined;
	const old = isObject(rollback) && isObject(rollback.with) ? rollback.with : {};
	const known = schema && isObject(schema.properties) ? schema.properties : {};
	const kept = Object.fromEntries(Object.entries(old).filter(([key]) => key in known));
	return isEmpty(kept) ? { uses } : { uses, with: kept };
}
