import { z } from 'zod';
import {
	expression,
	httpUrl,
	orExpression,
	principal,
	recipient,
	resourceName,
	templated,
	templatedDuration
} from './fields.ts';

/**
 * What each step type takes in `with` (DESIGN §4). Any field may instead hold a `${{ }}`
 * expression, which stands for a value of any type until the step runs; strings with expressions
 * inside are checked on their static parts. These schemas only check: a document keeps its `with`
 * as written, and the activity applies its own defaults.
 */

const database = z.string().min(1, 'must name one of the target\'s databases').describe('a database of the target, such as main');
const text = (description: string, min = 0) => (min ? z.string().min(min, 'must not be empty') : z.string()).describe(description);
const count = (min: number, max: number) => orExpression(z.number().int().min(min).max(max));
const list = <T extends z.ZodType>(item: T, atLeastOne?: string) => orExpression(atLeastOne ? z.array(item).min(1, atLeastOne) : z.array(item));
const sqlValue = z.union([z.string(), z.number(), z.boolean(), z.null()]);
const tableName = templated(/^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$/, 'must be a table name, optionally schema-qualified (crm.logs)');
/** How long ago a row must have been written to be purged, archived or cleaned up. */
const olderThan = templated(/^\d+(\.\d+)?(m|h|d)$|^\d+(w|mo|y)$/, 'must be an age such as 90d, 12w, 6mo or 2y');

const retention = {
	database,
	table: tableName,
	olderThan,
	timestampColumn: templated(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be a column name').optional().describe('the column holding when a row was written (default created_at)'),
	batchSize: count(1, 100_000).optional().describe('rows per batch, each in its own short transaction'),
	maxBatches: count(1, 1_000_000).optional()
};

export const postgresBackupWith = z.strictObject({
	database,
	format: orExpression(z.enum(['custom', 'directory'])).optional().describe('pg_dump format (default custom)'),
	jobs: count(1, 16).optional().describe('parallel jobs (directory format only)')
});

export const postgresRestoreWith = z.strictObject({
	database,
	backup: text('the backupId to restore, usually ${{ steps.<id>.outputs.backupId }}', 1),
	into: orExpression(resourceName).optional().describe('a scratch database to restore into instead of the target')
});

export const backupVerifyWith = z.strictObject({
	database,
	backup: text('the backupId to verify (default: the latest)', 1).optional()
});

const sqlWith = {
	database,
	query: text('SQL; values come through params as $1, $2, … and are never spliced in', 1),
	params: list(orExpression(sqlValue)).optional()
};
export const sqlCheckWith = z.strictObject(sqlWith);
export const sqlExecWith = z.strictObject(sqlWith);

export const httpCheckWith = z.strictObject({
	url: httpUrl,
	expectStatus: count(100, 599).optional().describe('the status that passes (default: any 2xx)'),
	bodyIncludes: text('text the body must contain').optional(),
	maxLatencyMs: count(1, 600_000).optional()
});

export const httpRequestWith = z.strictObject({
	url: httpUrl,
	method: orExpression(z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD'])).optional().describe('default GET'),
	headers: orExpression(z.record(z.string(), z.string())).optional().describe('values may reference secrets as secret:NAME'),
	body: z.union([z.string(), z.record(z.string(), z.unknown()), z.array(z.unknown())]).optional().describe('text, or data sent as JSON'),
	expectStatus: orExpression(z.union([z.number().int().min(100).max(599), z.array(z.number().int().min(100).max(599)).min(1)])).optional(),
	timeout: templatedDuration.optional()
});

export const postgresMigrateWith = z.strictObject({
	database,
	bundle: templated(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'must be a bundle name such as crm-2.4.0'),
	direction: orExpression(z.enum(['up', 'down'])).optional().describe('down rolls the bundle back (default up)')
});

export const postgresMaintainWith = z.strictObject({
	database,
	tasks: list(orExpression(z.enum(['vacuum', 'analyze', 'reindex', 'index-report']))).optional().describe('default: all of them'),
	tables: list(tableName).optional().describe('default: every table')
});

export const dataDedupeWith = z.strictObject({
	database,
	mode: orExpression(z.enum(['dry-run', 'merge'])),
	keys: list(orExpression(z.enum(['email', 'phone', 'name']))).optional().describe('what makes two customers the same (default: all)')
});

export const dataPurgeWith = z.strictObject(retention);
export const dataArchiveWith = z.strictObject({
	...retention,
	to: templated(/^(schema:[A-Za-z_][A-Za-z0-9_]*|file:.+)$/, 'must be schema:NAME or file:PATH').optional().describe('where rows go before deletion (default schema:archive)')
});
export const logsCleanupWith = z.strictObject(retention);

export const notifyWith = z.strictObject({
	to: list(recipient, 'must name at least one recipient'),
	channel: orExpression(z.enum(['email', 'webhook', 'in-app'])).optional().describe('default email'),
	subject: text('the subject line; may hold ${{ }} expressions', 1),
	body: text('the message; may hold ${{ }} expressions').optional()
});

export const trainingAssignWith = z.strictObject({
	module: orExpression(resourceName).describe('the TrainingModule to assign'),
	to: list(recipient, 'must name at least one recipient'),
	due: templatedDuration.optional().describe('how long people have to complete it')
});

export const approvalWith = z.strictObject({
	approvers: list(principal, 'must name at least one approver'),
	quorum: count(1, 100).optional().describe('distinct approvals needed (default 1)'),
	timeout: templatedDuration.optional(),
	onTimeout: orExpression(z.enum(['fail', 'skip'])).optional().describe('default fail'),
	message: text('the question approvers see').optional(),
	escalate: z
		.array(z.strictObject({ after: templatedDuration, to: principal }))
		.optional()
		.describe('who else is asked, and when'),
	show: z.array(z.string().min(1)).optional().describe('evidence shown beside the question: paths such as steps.dedupe.outputs'),
	fourEyes: orExpression(z.boolean()).optional().describe('the initiator may not approve their own run (default true)')
});

export const manualWith = z.strictObject({
	checklist: z.array(z.string().min(1)).min(1, 'must hold at least one item'),
	assignees: list(principal).optional(),
	instructions: text('what the person should know').optional(),
	timeout: templatedDuration.optional()
});

const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;
export const waitWith = z
	.strictObject({
		duration: templatedDuration.optional(),
		until: z.union([z.string().regex(INSTANT, 'must be a time with its offset, such as 2026-01-10T22:00:00Z'), expression]).optional(),
		window: orExpression(resourceName).optional().describe('wait for the next opening of this Window')
	})
	.refine((w) => [w.duration, w.until, w.window].filter((v) => v !== undefined).length === 1, {
		error: 'a wait takes exactly one of duration, until or window'
	})
	.meta({ oneOf: [{ required: ['duration'] }, { required: ['until'] }, { required: ['window'] }] });

export const runbookWith = z.strictObject({
	name: orExpression(resourceName).describe('the runbook to run as a child'),
	version: count(1, 1_000_000).optional().describe('default: its latest published version'),
	inputs: z.record(z.string(), z.unknown()).optional()
});

/** One schema per `uses`; runbooks/catalog.ts refers to these. */
export const STEP_WITH_SCHEMAS = {
	'postgres.backup': postgresBackupWith,
	'backup.verify': backupVerifyWith,
	'postgres.restore': postgresRestoreWith,
	'postgres.migrate': postgresMigrateWith,
	'sql.check': sqlCheckWith,
	'sql.exec': sqlExecWith,
	'http.check': httpCheckWith,
	'http.request': httpRequestWith,
	'postgres.maintain': postgresMaintainWith,
	'data.dedupe': dataDedupeWith,
	'data.purge': dataPurgeWith,
	'data.archive': dataArchiveWith,
	'logs.cleanup': logsCleanupWith,
	notify: notifyWith,
	'training.assign': trainingAssignWith,
	approval: approvalWith,
	manual: manualWith,
	wait: waitWith,
	runbook: runbookWith
} as const satisfies Record<string, z.ZodType>;

export type StepUses = keyof typeof STEP_WITH_SCHEMAS;
