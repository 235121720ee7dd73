import { z } from 'zod';
import { NAME_PATTERN } from './pg-catalog.ts';
import { AGE } from './retention-cutoff.ts';

/** The `with` every retention step shares (runbooks/step-schemas.ts), with the activity's defaults. */
export const retentionParams = z.object({
	database: z.string().min(1),
	table: z.string().regex(NAME_PATTERN, 'must be a table name, optionally schema-qualified'),
	olderThan: z.string().regex(AGE, 'must be an age such as 90d, 12w, 6mo or 2y'),
	timestampColumn: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be a column name').default('created_at'),
	batchSize: z.number().int().min(1).max(100_000).default(10_000),
	maxBatches: z.number().int().min(1).max(1_000_000).default(1_000_000),
	before: z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/, 'must be a time with its offset').optional()
});

export type RetentionParams = z.infer<typeof retentionParams>;
