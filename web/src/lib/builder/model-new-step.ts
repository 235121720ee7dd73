import { STEP_ID_PATTERN } from '../../../../runbooks/fields.ts';
import type { JsonSchema } from '../../../../runbooks/json-schema.ts';

/** What a step added from the palette starts with: an id no other step has, and its required inputs filled in. */

/** `postgres.backup` gives `backup`, then `backup_2`, `backup_3`… */
export function freshId(uses: string, taken: ReadonlySet<string>): string {
	let base = (uses.split('.').pop() ?? '').replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 56);
	if (!/^[A-Za-z_]/.test(base)) base = `step_${base}`.slice(0, 56);
	if (!taken.has(base)) return base;
	for (let n = 2; ; n++) {
		const id = `${base}_${n}`;
		if (!taken.has(id) && STEP_ID_PATTERN.test(id)) return id;
	}
}

/**
 * A new step's `with`: each required field with its default, or the first allowed value, or an
 * empty value of its type, so the YAML shows what must be filled in and the form flags it.
 */
export function requiredDefaults(schema: JsonSchema): Record<string, unknown> {
	const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
	const required = Array.isArray(schema.required) ? (schema.required as string[]) : [];
	const out: Record<string, unknown> = {};
	for (const name of required) {
		const value = startingValue(properties[name] ?? {});
		if (value !== undefined) out[name] = value;
	}
	return out;
}

function startingValue(schema: JsonSchema): unknown {
	if ('default' in schema) return schema.default;
	if ('const' in schema) return schema.const;
	if (Array.isArray(schema.enum) && schema.enum.length) return schema.enum[0];
	const branches = (schema.anyOf ?? schema.oneOf) as JsonSchema[] | undefined;
	if (Array.isArray(branches) && branches.length) return startingValue(branches[0]);
	const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
	switch (type) {
		case 'string':
			return '';
		case 'array':
			return [];
		case 'object':
			return requiredDefaults(schema);
		case 'boolean':
			return false;
		case 'integer':
		case 'number':
			return typeof schema.minimum === 'number' ? schema.minimum : 0;
		default:
			return undefined;
	}
}
