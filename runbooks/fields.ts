import { z } from 'zod';
import { DURATION_PATTERN } from './duration.ts';
import { isSingleExpression, replaceExpressions } from './expressions.ts';
import { MAX_NESTING, RESERVED_KEYS } from './input-safety.ts';

/** Field types shared by the document schemas (Runbook, Target, Window) and the steps' `with` schemas. */

export const NAME_PATTERN = /^[a-z0-9]([a-z0-9-]{0,62}[a-z0-9])?$/;
export const STEP_ID_PATTERN = /^[a-zA-Z_][a-zA-Z0-9_-]{0,63}$/;
/** What an expression path can name after a dot: inputs and output names must fit it to be read. */
export const KEY_PATTERN = /^[A-Za-z_][A-Za-z0-9_-]*$/;

export const resourceName = z.string().regex(NAME_PATTERN, 'must be lower-case letters, digits and dashes (at most 64)');
export const stepId = z.string().regex(STEP_ID_PATTERN, 'must start with a letter and hold only letters, digits, _ and -');
export const duration = z.union([z.string().regex(DURATION_PATTERN, 'must be a duration such as 10s, 30m or 4h'), z.number().int().nonnegative()]);

export const EXPRESSION_MESSAGE = 'must be a ${{ }} expression';

/**
 * A string that is exactly one `${{ }}` expression, standing for a value of any type. Its check
 * aborts, so a union with it fails as a whole and the other branch's message is the one shown.
 */
export const expression = z
	.string()
	.regex(/^\$\{\{[\s\S]*\}\}$/, { error: EXPRESSION_MESSAGE, abort: true })
	.refine(isSingleExpression, 'must be exactly one ${{ }} expression (text around it would make it a string)')
	.meta({ description: 'a ${{ }} expression, resolved when the step runs' });

/** `schema`, or an expression that will produce such a value when the step runs. */
export function orExpression<T extends z.ZodType>(schema: T) {
	return z.union([schema, expression]);
}

/**
 * A string whose static parts must pass `valid`: expressions are replaced by a placeholder before
 * checking, so `user:${{ inputs.owner }}` passes as a recipient and `user:` does not.
 */
export function templated(valid: RegExp | ((text: string) => boolean), message: string, placeholder = '1') {
	const check = typeof valid === 'function' ? valid : (text: string) => valid.test(text);
	return z
		.string()
		.min(1, 'must not be empty')
		.refine((text) => isSingleExpression(text) || check(replaceExpressions(text, placeholder)), message)
		.meta({ description: message.replace(/^must be /, '') });
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
// The same rule the approval workflow applies to resolved values (workflows/approvals.ts).
const PRINCIPAL = /^(role|user):[^\s:]+$/;

/** role:NAME or user:USERNAME — people who may decide. */
export const principal = templated(PRINCIPAL, 'must be role:NAME or user:USERNAME');
/** role:NAME, user:USERNAME or an email address — people who are told. */
export const recipient = templated((text) => PRINCIPAL.test(text) || EMAIL.test(text), 'must be role:NAME, user:USERNAME or an email address');

export const templatedDuration = z.union([z.number().int().nonnegative(), templated(DURATION_PATTERN, 'must be a duration such as 10s, 30m or 4h')]);
export const httpUrl = templated(/^https?:\/\/[^\s/?#]+[^\s]*$/i, 'must be an http:// or https:// URL');
export const secretRef = /^secret:[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** An object key that is plain data: not `__proto__`, `constructor` or `prototype`. */
const plainKey = (key: z.ZodString) => key.refine((value) => !RESERVED_KEYS.includes(value), 'is reserved and cannot be used as a key').meta({ not: { enum: [...RESERVED_KEYS] } });
export const dataKey = plainKey(z.string().max(200));

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/**
 * Any JSON value passed on as data (a run's inputs, as sent): strings up to 64 KiB, lists up to
 * 1,000 items, nesting bounded by input-safety.ts.
 */
export const jsonValue: z.ZodType<JsonValue> = z
	.lazy(() => z.union([z.string().max(65_536), z.number(), z.boolean(), z.null(), z.array(jsonValue).max(1000), z.record(dataKey, jsonValue)]))
	.meta({ id: 'JsonValue', description: `Any JSON value, at most ${MAX_NESTING} levels deep.` });

export const metadataSchema = z.strictObject({
	name: resourceName,
	title: z.string().min(1).max(200),
	description: z.string().optional(),
	tags: z.array(z.string()).default([])
});
