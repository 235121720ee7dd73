import { z } from 'zod';
export { dataKey, jsonValue, resourceName, type JsonValue } from '$runbooks/fields.ts';
export { givenInputsSchema } from '$runbooks/inputs.ts';

/**
 * Field schemas the API's contracts share, so a limit is written once: PostgreSQL's integer
 * range, the length of free text, what a name or an id looks like. NUL, lone surrogates, prototype
 * keys and deep nesting are refused for every field by the body reader (input-safety.ts); the
 * OpenAPI document states that rule on every string (openapi.ts).
 */

/** PostgreSQL `integer`: a larger number would fail in the database (22003), not here. */
export const INT32_MAX = 2_147_483_647;

/** A version number of a runbook: 1, 2, … */
export const versionNumber = z.int().min(1).max(INT32_MAX);

/**
 * Characters as JSON Schema counts them (code points), not UTF-16 units: an emoji is one
 * character to a client that reads `maxLength`, two to `String.length`.
 */
export const characters = (text: string) => Array.from(text).length;

/** Text up to `max` characters, counted as the OpenAPI document's `maxLength` counts them; `required` means at least one. */
export const text = (max: number, required?: string) =>
	(required ? z.string().min(1, required) : z.string()).refine((value) => characters(value) <= max, `must be at most ${max} characters`).meta({ maxLength: max });

/** Free text a person writes (a comment, a reason, a note), trimmed. */
export const note = (max = 2000) =>
	z
		.string()
		.trim()
		.refine((value) => characters(value) <= max, `must be at most ${max} characters`)
		.meta({ maxLength: max });

/**
 * Trimmed text that must say something. The pattern also keeps out NUL, as every string must;
 * `\uFEFF` is named because String.trim removes it though not every regex engine calls it a space.
 */
export const statement = (max: number, message: string) =>
	z
		.string()
		.trim()
		// eslint-disable-next-line no-control-regex -- NUL is the point: the document's pattern must exclude it too.
		.regex(/^[^\u0000]*[^\s\uFEFF\u0000][^\u0000]*$/, message)
		.refine((value) => characters(value) <= max, `must be at most ${max} characters`)
		.meta({ maxLength: max });

export const uuid = (message = 'must be an id (a UUID)') => z.uuid(message);


/** A version number in a query string. */
export const versionParam = z.coerce.number().int().min(1).max(INT32_MAX);
