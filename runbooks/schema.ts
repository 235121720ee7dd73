import { z } from 'zod';
import { duration, expression, KEY_PATTERN, metadataSchema, recipient, resourceName, stepId } from './fields.ts';
import { MAX_STEPS } from './limits.ts';

/**
 * DESIGN §3: the Runbook document. Extend it; never rename a field outside scripts rely on.
 * A step's `with` is checked here only as a mapping: what it must hold depends on `uses`, and
 * runbooks/validate-runbook.ts checks it against that step type's schema.
 */
const failurePolicy = z.enum(['rollback', 'stop', 'continue']);

export const retrySchema = z
	.object({
		maxAttempts: z.number().int().min(1).max(100).default(3),
		initialInterval: duration.default('5s'),
		backoff: z.number().min(1).max(10).default(2),
		maxInterval: duration.optional()
	})
	.strict();

/** Blast-radius limits, as fleet tools have them: how many items at once, and how many may fail before the rest are skipped. */
export const forEachSchema = z.strictObject({
	items: z.union([z.array(z.unknown()), expression]).describe('a list, or an expression that gives one; each item is ${{ item }} in the step'),
	maxConcurrency: z.number().int().min(1).max(100).default(1),
	maxErrors: z.number().int().min(0).default(0)
});

const stepBase = {
	id: stepId,
	name: z.string().max(200).optional(),
	uses: z.string().min(1),
	with: z.record(z.string(), z.unknown()).default({}),
	/** Steps that must finish first; without it a step follows the one listed before it, and `[]` starts it at once. */
	needs: z.array(stepId).max(MAX_STEPS, `a step may need at most ${MAX_STEPS} steps`).optional(),
	if: z.string().optional(),
	forEach: forEachSchema.optional(),
	retry: retrySchema.optional(),
	timeout: duration.optional(),
	onFailure: failurePolicy.optional(),
	risk: z.enum(['low', 'medium', 'high']).optional(),
	/** Training-gated rights: who approves this step (or its implicit gate) must hold a current completion of each module. */
	requires: z
		.strictObject({ training: z.array(resourceName).min(1, 'name at least one training module').max(20) })
		.optional()
		.describe('what an approver of this step must have: `training: [module]`, each completed and not expired')
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
		metadata: metadataSchema,
		spec: z
			.object({
				target: resourceName.optional(),
				inputs: z.record(z.string().regex(KEY_PATTERN, 'an input name must start with a letter and hold only letters, digits, _ and -'), inputSchema).default({}),
				concurrency: z.enum(['target', 'none']).optional(),
				window: resourceName.optional(),
				onFailure: failurePolicy.default('stop'),
				steps: z.array(stepSchema).min(1, 'a runbook needs at least one step').max(MAX_STEPS, `a runbook may have at most ${MAX_STEPS} steps`),
				/** Steps that run after the run has ended, whatever its outcome, with `${{ run.status }}` in scope; they never change the outcome. */
				finally: z.array(stepSchema).max(MAX_STEPS, `at most ${MAX_STEPS} finally steps`).optional(),
				/** Who is told when a run does not succeed: a built-in finally step that sends them an email. */
				notifyOnFailure: z.array(recipient).min(1, 'name at least one recipient, or leave notifyOnFailure out').optional()
			})
			.strict()
	})
	.strict();

export type RunbookDocument = z.infer<typeof runbookSchema>;
export type RunbookStep = z.infer<typeof stepSchema>;
export type RunbookInput = z.infer<typeof inputSchema>;
export type FailurePolicy = z.infer<typeof failurePolicy>;
export type ForEach = z.infer<typeof forEachSchema>;
