import { z } from 'zod';

/**
 * What `data.dedupe` takes once expressions are resolved (runbooks/step-schemas.ts checks the
 * document; this applies the defaults). The defaults describe the demo CRM's customers table.
 */
const identifier = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be a column name');
const tableName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$/, 'must be a table name, optionally schema-qualified');
const columnRef = z.string().regex(/^([A-Za-z_][A-Za-z0-9_]*\.){1,2}[A-Za-z_][A-Za-z0-9_]*$/, 'must be table.column or schema.table.column');

export const DEDUPE_KEYS = ['email', 'phone', 'name'] as const;
export type DedupeKey = (typeof DEDUPE_KEYS)[number];

export const dedupeParams = z.object({
	database: z.string().min(1),
	mode: z.enum(['dry-run', 'merge', 'unmerge']),
	keys: z.array(z.enum(DEDUPE_KEYS)).min(1).default([...DEDUPE_KEYS]),
	table: tableName.default('customers'),
	idColumn: identifier.default('id'),
	/** The survivor is the oldest row; without this column (and none named) the lowest id. */
	createdAtColumn: identifier.optional(),
	columns: z
		.object({
			email: identifier.default('email'),
			phone: identifier.default('phone'),
			name: z.array(identifier).min(1).default(['first_name', 'last_name'])
		})
		.default({ email: 'email', phone: 'phone', name: ['first_name', 'last_name'] }),
	/** Also treat a+tag@x.com as a@x.com, and Gmail's dotted local parts as one address. */
	emailAliases: z.boolean().default(false),
	similarity: z.number().gt(0).max(1).default(0.6),
	/** Names are compared within a block (one email domain or phone number) no larger than this. */
	maxBlockSize: z.number().int().min(2).max(10_000).default(50),
	/** A key shared by more rows than this is a placeholder (n/a, 000-000-0000), not one customer. */
	maxGroupSize: z.number().int().min(2).max(1_000).default(10),
	/** Columns to re-point besides the foreign keys, which are always found and re-pointed. */
	references: z.array(columnRef).default([]),
	maxGroups: z.number().int().min(1).optional(),
	/** Groups per transaction. */
	batchSize: z.number().int().min(1).max(10_000).default(500),
	/** Unmerge: whose merge to undo (default: this run, and the step this one compensates). */
	mergeRun: z.string().min(1).optional(),
	mergeStep: z.string().min(1).optional()
});

export type DedupeParams = z.infer<typeof dedupeParams>;

/** What a merge is keyed on in the target, with its table: the run and the step that made it. */
export interface RunStep {
	runId: string;
	stepId: string;
}

/**
 * The merge an unmerge undoes. A compensation runs as `<step>.rollback` (workflows/runbook-run.ts),
 * so by default it undoes the merge of the step it compensates.
 */
export function mergeToUndo(ctx: RunStep, params: Pick<DedupeParams, 'mergeRun' | 'mergeStep'>): RunStep {
	return { runId: params.mergeRun ?? ctx.runId, stepId: params.mergeStep ?? ctx.stepId.replace(/\.rollback$/, '') };
}

/** `tend_archive.<table>_merged`, kept within PostgreSQL's 63-byte identifiers. */
export function archiveTableName(relname: string): string {
	return `${relname.slice(0, 63 - '_merged'.length)}_merged`;
}

/** `schema.table.column` or `table.column` → its parts; the schema is left to the search path when absent. */
export function parseColumnRef(ref: string): { table: string; column: string } {
	const parts = ref.split('.');
	return { table: parts.slice(0, -1).join('.'), column: parts[parts.length - 1] };
}

/** One group's reason: the distinct reasons of its duplicates, in the order first seen. */
export function summariseReasons(reasons: string[]): string {
	const seen = new Set<string>();
	for (const reason of reasons) for (const part of reason.split(', ')) seen.add(part.replace(/ \([\d.]+\)$/, ''));
	return [...seen].join(', ');
}
