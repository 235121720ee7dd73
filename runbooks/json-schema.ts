import { z } from 'zod';
import { STEP_TYPE_BY_USES, STEP_TYPES } from './catalog.ts';
import type { DocumentKind } from './parse.ts';
import { runbookSchema } from './schema.ts';
import { targetSchema } from './target-schema.ts';
import { trainingModuleSchema } from './training-schema.ts';
import { windowSchema } from './window-schema.ts';
import { drillSchema } from './drill-schema.ts';

/**
 * JSON Schema (draft 2020-12) generated from the zod schemas, for the builder's forms and for
 * editors. It describes what an author writes (defaults are optional), so it is the input side.
 * Checks that need code — a time zone known to Intl, the static parts of a templated string, the
 * step graph — are only in the zod schemas and runbooks/validate-runbook.ts.
 */
export type JsonSchema = Record<string, unknown>;

const generate = (schema: z.ZodType): JsonSchema => z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;

/** The `with` schema of one step type, or undefined for a type the catalog does not have. */
export function stepWithJsonSchema(uses: string): JsonSchema | undefined {
	const type = STEP_TYPE_BY_USES.get(uses);
	if (!type) return undefined;
	const { $schema, ...rest } = generate(type.withSchema);
	return { $schema, title: `${type.label} (${type.uses})`, description: type.description, ...rest };
}

export function stepWithJsonSchemas(): Record<string, JsonSchema> {
	return Object.fromEntries(STEP_TYPES.map((t) => [t.uses, stepWithJsonSchema(t.uses)!]));
}

/**
 * The Runbook schema, with each step's `with` (and its rollback's) tied to its `uses`, so an
 * editor can complete and check `with` for the step type at hand.
 */
export function runbookJsonSchema(): JsonSchema {
	const schema = generate(runbookSchema);
	const step = at(schema, ['properties', 'spec', 'properties', 'steps', 'items']);
	const rollback = step && at(step, ['properties', 'rollback']);
	for (const node of [step, rollback]) {
		if (!node) continue;
		const properties = node.properties as Record<string, JsonSchema>;
		properties.uses = { ...properties.uses, enum: STEP_TYPES.map((t) => t.uses) };
		node.allOf = STEP_TYPES.map((t) => {
			const withSchema = generate(t.withSchema);
			delete withSchema.$schema;
			return { if: { properties: { uses: { const: t.uses } }, required: ['uses'] }, then: { properties: { with: withSchema } } };
		});
	}
	return schema;
}

export function targetJsonSchema(): JsonSchema {
	return generate(targetSchema);
}

export function windowJsonSchema(): JsonSchema {
	return generate(windowSchema);
}

export function drillJsonSchema(): JsonSchema {
	return generate(drillSchema);
}

export function trainingModuleJsonSchema(): JsonSchema {
	return generate(trainingModuleSchema);
}

export function documentJsonSchema(kind: DocumentKind): JsonSchema {
	if (kind === 'Runbook') return runbookJsonSchema();
	if (kind === 'Drill') return drillJsonSchema();
	if (kind === 'TrainingModule') return trainingModuleJsonSchema();
	return kind === 'Target' ? targetJsonSchema() : windowJsonSchema();
}

function at(schema: JsonSchema, path: string[]): JsonSchema | undefined {
	let node: unknown = schema;
	for (const key of path) node = node && typeof node === 'object' ? (node as JsonSchema)[key] : undefined;
	return node && typeof node === 'object' ? (node as JsonSchema) : undefined;
}
