import { z } from 'zod';
import { jsonValue, KEY_PATTERN } from './fields.ts';
import { RESERVED_KEYS } from './input-safety.ts';
import type { DocumentError } from './parse.ts';
import type { RunbookDocument } from './schema.ts';

/**
 * A run's inputs as a request gives them. zod's record drops a `__proto__` key without a word;
 * this keeps the object as parsed, so resolveInputs names every key it does not declare (the
 * API's body reader leaves reserved keys here to it). Each value is bounded JSON, as any value
 * sent to the API is.
 */
export const givenInputsSchema = z
	.custom<Record<string, unknown>>((value) => value !== null && typeof value === 'object' && !Array.isArray(value), 'must be an object of input names and values')
	// Described before it is refined: zod-openapi takes the description of the schema it cannot otherwise represent.
	.meta({
		override: {
			type: 'object',
			description: 'Input names and values, checked against the inputs the runbook version declares.',
			propertyNames: { pattern: KEY_PATTERN.source, maxLength: 200, not: { enum: [...RESERVED_KEYS] } },
			additionalProperties: { $ref: '#/components/schemas/JsonValue' }
		}
	})
	.superRefine((given, ctx) => {
		for (const [name, value] of Object.entries(given)) {
			const parsed = jsonValue.safeParse(value);
			for (const issue of parsed.error?.issues ?? []) ctx.addIssue({ ...issue, path: [name, ...issue.path] } as z.core.$ZodRawIssue);
		}
	});

/** The value given for `name`: only the object's own keys count, never `constructor` or `toString` from its prototype. */
export function givenValue(given: Record<string, unknown>, name: string): unknown {
	return Object.hasOwn(given, name) ? given[name] : undefined;
}

/** Checks a run's inputs against the runbook's declared inputs and fills defaults. */
export function resolveInputs(runbook: RunbookDocument, given: Record<string, unknown>): { ok: true; inputs: Record<string, unknown> } | { ok: false; errors: DocumentError[] } {
	const errors: DocumentError[] = [];
	const inputs: Record<string, unknown> = {};
	for (const [name, declared] of Object.entries(runbook.spec.inputs)) {
		const value = givenValue(given, name) ?? declared.default;
		if (value === undefined || value === '') {
			if (declared.required) errors.push({ path: `inputs.${name}`, message: `input "${name}" is required` });
			continue;
		}
		if (declared.type === 'number') {
			const n = numberFrom(value);
			if (n === undefined) errors.push({ path: `inputs.${name}`, message: `input "${name}" must be a number` });
			else inputs[name] = n;
		} else if (declared.type === 'boolean') {
			if (typeof value === 'boolean') inputs[name] = value;
			else if (value === 'true' || value === 'false') inputs[name] = value === 'true';
			else errors.push({ path: `inputs.${name}`, message: `input "${name}" must be true or false` });
		} else if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
			inputs[name] = String(value);
		} else errors.push({ path: `inputs.${name}`, message: `input "${name}" must be a string` });
	}
	for (const name of Object.keys(given)) {
		if (!Object.hasOwn(runbook.spec.inputs, name)) errors.push({ path: `inputs.${name}`, message: `the runbook declares no input "${name}"` });
	}
	return errors.length ? { ok: false, errors } : { ok: true, inputs };
}

/** A number, or the text of one (a form or the CLI sends text); `Number()` alone would take `[3]`, `true` and `" "`. */
function numberFrom(value: unknown): number | undefined {
	const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
	return Number.isFinite(n) ? n : undefined;
}
