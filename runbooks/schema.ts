import { z } from 'zod';
import { DURATION_PATTERN } from './duration.ts';

/** DESIGN §3: the Runbook document. Extend it; never rename a field outside scripts rely on. */
const name = z.string().regex(/^[a-z0-9]([a-z0-9-]{0,62}[a-z0-9])?$/, 'must be lower-case letters, digits and dashes');
const stepId = z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_-]{0,63}$/, 'must start with a letter and hold only letters, digits, _ and -');
const duration = z.union([z.string().regex(DURATION_PATTERN, 'must be a duration such as 10s, 30m or 4h'), z.number().int().nonnegative()]);
const failurePolicy = z.enum(['rollback', 'stop', 'continue']);

export const retrySchema = z
	.object({
		maxAttempts: z.number().int().min(1).max(100).default(3),
		initialInterval: duration.default('5s'),
		backoff: z.number().min(1).max(10).default(2),
		maxInterval: duration.optional()
	})
	.strict();

const stepBase = {
	id: stepId,
	name: z.string().max(200).optional(),
	uses: z.string().min(1),
	with: z.record(z.string(), z.unknown()).default({}),
	needs: z.array(stepId).optional(),
	if: z.string().optional(),
	retry: retrySchema.optional(),
	timeout: duration.optional(),
	onFailure: failurePolicy.optional(),
	risk: z.enum(['low', 'medium', 'high']).optional()
};

export const rollbackSchema = z.object({ uses: z.string().min(1), with: z.record(z.string(), z.unknown()).default({}) }).strict();

export const stepSchema = z.object({ ...stepBase, rollback: rollbackSchema.optional() }).strict();

export const inputSchema = z
	.object({
		type: z.enum(['string', 'number', 'boolean']).default('string'),
		required: z.boolean().default(false),
		default: z.union([z.string(), z.number(), z.boolean()]).optional(),
		description: z.string().optional()
	})
	.strict();

export const runbookSchema = z
	.object({
		apiVersion: z.literal('tend/v1'),
		kind: z.literal('Runbook'),
		metadata: z
			.object({ name, title: z.string().min(1).max(200), description: z.string().optional(), tags: z.array(z.string()).default([]) })
			.strict(),
		spec: z
			.object({
				target: name.optional(),
				inputs: z.record(z.string(), inputSchema).default({}),
				concurrency: z.enum(['target', 'none']).optional(),
				window: name.optional(),
				onFailure: failurePolicy.default('stop'),
				steps: z.array(stepSchema).min(1, 'a runbook needs at least one step')
			})
			.strict()
	})
	.strict();

export type RunbookDocument = z.infer<typeof runbookSchema>;
export type RunbookStep = z.infer<typeof stepSchema>;
export type RunbookInput = z.infer<typeof inputSchema>;
export type FailurePolicy = z.infer<typeof failurePolicy>;
