import { z } from 'zod';
import { isSingleExpression, replaceExpressions } from './expressions.ts';
import {
	expression,
	httpUrl,
	orExpression,
	principal,
	recipient,
	resourceName,
	secretRef,
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
	maxBatches: count(1, 1_000_000).optional(),
	before: orExpression(z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/, 'must be a time with its offset, such as 2024-11-01T00:00:00Z'))
		.optional()
		.describe('also spare rows written at or after this time; pass an earlier step\'s cutoff (${{ steps.archive.outputs.cutoff }}) to act on exactly its rows')
};
const archiveToo = orExpression(z.boolean()).optional().describe('copy each batch into tend_archive.<table> in the same transaction as its delete (default false)');

export const postgresBackupWith = z.strictObject({
	database,
	format: orExpression(z.enum(['custom', 'directory'])).optional().describe('pg_dump format (default custom)'),
	jobs: count(1, 16).optional().describe('parallel jobs (directory format only)')
});

/** The comment postgres.restore puts on a scratch database it creates: one so marked may be dropped and created again. */
export const SCRATCH_MARK = 'tend scratch database (postgres.restore)';
/** A scratch database's name: what a resource name allows, and `_` as well (crm_restore_drill). */
export const SCRATCH_DATABASE_PATTERN = /^[a-z0-9_]([a-z0-9_-]{0,62}[a-z0-9_])?$/;

export const postgresRestoreWith = z.strictObject({
	database,
	backup: text('the backupId to restore, usually ${{ steps.<id>.outputs.backupId }}, or latest', 1),
	into: orExpression(z.string().regex(SCRATCH_DATABASE_PATTERN, 'must be a database name of lower-case letters, digits, _ and -'))
		.optional()
		.describe('a scratch database on the same server to restore into (created, or dropped and created again) instead of the target')
});

export const backupVerifyWith = z.strictObject({
	database,
	backup: text('the backupId to verify (default: the latest)', 1).optional()
});

const keep = count(0, 10_000);
export const backupPruneWith = z.strictObject({
	database,
	keep: orExpression(z.strictObject({ daily: keep.optional(), weekly: keep.optional(), monthly: keep.optional() }))
		.optional()
		.describe("how many days, ISO weeks and months keep their newest backup (default: the target's retention)")
});

const sqlWith = {
	database,
	query: text('SQL; values come through params as $1, $2, … and are never spliced in', 1),
	params: list(orExpression(sqlValue)).optional()
};
const statementTimeout = (byDefault: string) => templatedDuration.optional().describe(`how long one statement may run before PostgreSQL cancels it (default ${byDefault})`);
const lockTimeout = templatedDuration.optional().describe('how long to wait for a lock before giving up, so a busy table is not blocked behind the step (default 5s)');

export const sqlCheckWith = z.strictObject({ ...sqlWith, statementTimeout: statementTimeout('30s') });
export const sqlExecWith = z.strictObject({ ...sqlWith, statementTimeout: statementTimeout('5m'), lockTimeout });

const redirectHost = templated(/^[A-Za-z0-9.-]+(:\d+)?$/, 'must be a host name such as status.example.com');

export const httpCheckWith = z.strictObject({
	url: httpUrl,
	expectStatus: count(100, 599).optional().describe('the status that passes (default: any 2xx)'),
	bodyIncludes: text('text the body must contain').optional(),
	maxLatencyMs: count(1, 600_000).optional(),
	timeout: templatedDuration.optional().describe('how long to wait for a complete answer (default 30s)'),
	allowRedirectTo: list(redirectHost).optional().describe('other hosts a redirect may lead to (default: none, only the URL\'s own host)')
});

export const httpRequestWith = z.strictObject({
	url: httpUrl,
	method: orExpression(z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD'])).optional().describe('default GET'),
	headers: orExpression(z.record(z.string(), z.string())).optional().describe('values may reference secrets as secret:NAME'),
	body: z.union([z.string(), z.record(z.string(), z.unknown()), z.array(z.unknown())]).optional().describe('text, or data sent as JSON'),
	expectStatus: orExpression(z.union([z.number().int().min(100).max(599), z.array(z.number().int().min(100).max(599)).min(1)])).optional(),
	timeout: templatedDuration.optional(),
	allowRedirectTo: list(redirectHost).optional().describe('other hosts a redirect may lead to (default: none)')
});

export const postgresMigrateWith = z.strictObject({
	database,
	bundle: templated(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'must be a bundle name such as crm-2.4.0'),
	direction: orExpression(z.enum(['up', 'down'])).optional().describe('down rolls the bundle back (default up)'),
	statementTimeout: statementTimeout('5m'),
	lockTimeout
});

export const postgresMaintainWith = z.strictObject({
	database,
	tasks: list(orExpression(z.enum(['vacuum', 'analyze', 'reindex', 'index-report']))).optional().describe('default: all of them'),
	tables: list(tableName).optional().describe('default: every table'),
	vacuum: orExpression(z.boolean()).optional().describe('VACUUM each table; naming any of vacuum, analyze, reindex or report turns the others off unless named'),
	analyze: orExpression(z.boolean()).optional().describe('ANALYZE each table (with vacuum: VACUUM (ANALYZE))'),
	reindex: orExpression(z.union([z.literal('bloated'), z.array(tableName)]))
		.optional()
		.describe('REINDEX CONCURRENTLY these indexes, or "bloated" for those the estimate finds bloated'),
	report: orExpression(z.boolean()).optional().describe('report unused, duplicate and bloated indexes')
});

const columnName = templated(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be a column name');
const columnRef = templated(/^([A-Za-z_][A-Za-z0-9_]*\.){1,2}[A-Za-z_][A-Za-z0-9_]*$/, 'must be table.column or schema.table.column');

export const dataDedupeWith = z.strictObject({
	database,
	mode: orExpression(z.enum(['dry-run', 'merge', 'unmerge'])).describe('dry-run reports and writes nothing; unmerge undoes a merge'),
	keys: list(orExpression(z.enum(['email', 'phone', 'name']))).optional().describe('what makes two customers the same (default: all)'),
	table: tableName.optional().describe('the table of customers (default customers)'),
	idColumn: columnName.optional().describe('its unique id (default id)'),
	createdAtColumn: columnName.optional().describe('when a row was made: the oldest row of a group survives (default created_at, else the lowest id)'),
	columns: orExpression(z.strictObject({ email: columnName.optional(), phone: columnName.optional(), name: list(columnName, 'must name at least one column').optional() }))
		.optional()
		.describe('the columns compared (default email, phone, and first_name with last_name)'),
	emailAliases: orExpression(z.boolean()).optional().describe('count a+tag@x.com as a@x.com and Gmail addresses with dots as one (default false)'),
	similarity: orExpression(z.number().gt(0).max(1)).optional().describe('pg_trgm similarity at which two names in one email domain or phone number match (default 0.6)'),
	maxBlockSize: count(2, 10_000).optional().describe('names are compared only within email domains and phone numbers shared by at most this many rows (default 50)'),
	maxGroupSize: count(2, 1_000).optional().describe('a value shared by more rows is a placeholder, and a larger group is left alone (default 10)'),
	references: list(columnRef).optional().describe('columns to re-point besides the foreign keys, which are always found (app_logs.customer_id)'),
	maxGroups: count(1, 10_000_000).optional().describe('merge at most this many groups; the rest wait for a later run'),
	batchSize: count(1, 10_000).optional().describe('groups per transaction (default 500)'),
	mergeRun: text('unmerge: the run whose merge to undo (default this run)', 1).optional(),
	mergeStep: text('unmerge: the step whose merge to undo (default the step this one compensates)', 1).optional()
});

export const dataPurgeWith = z.strictObject({ ...retention, archive: archiveToo });
export const dataArchiveWith = z.strictObject({
	...retention,
	to: templated(/^(schema(:[A-Za-z_][A-Za-z0-9_]*)?|file(:.+)?)$/, 'must be schema, schema:NAME, file or file:PATH')
		.optional()
		.describe('a schema (default tend_archive) holding <table>, or a .csv.gz file in the target\'s backup location (file:PATH inside it)')
});
export const logsCleanupWith = z.strictObject({ ...retention, table: tableName.optional().describe('default app_logs'), archive: archiveToo });

/** How a webhook `notify` shapes its message: plain JSON, or what each chat service expects. */
export const WEBHOOK_PRESETS = ['generic', 'slack', 'teams', 'dingtalk', 'feishu', 'wecom'] as const;
export type WebhookPreset = (typeof WEBHOOK_PRESETS)[number];

const HTTP_URL = /^https?:\/\/[^\s/?#]+[^\s]*$/i;
/** A webhook's address: its URL, or secret:NAME holding it (chat webhook URLs carry their token). */
const isWebhookAddress = (text: string) => HTTP_URL.test(text) || secretRef.test(text);
/** A person (role:, user:, an email address) or a webhook address; which fits depends on `channel`, checked below. */
const notifyRecipient = z
	.string()
	.min(1, 'must not be empty')
	.superRefine((value, ctx) => {
		if (isSingleExpression(value)) return;
		const fixed = replaceExpressions(value, '1');
		if (recipient.safeParse(fixed).success || isWebhookAddress(fixed)) return;
		const looksLikeAddress = /^(https?:|secret:)|\//i.test(fixed);
		ctx.addIssue({ code: 'custom', message: looksLikeAddress ? 'must be an http:// or https:// URL, or secret:NAME (a webhook address)' : 'must be role:NAME, user:USERNAME or an email address' });
	})
	.meta({ description: 'role:NAME, user:USERNAME or an email address; for a webhook, an http(s) URL or secret:NAME' });

export const notifyWith = z
	.strictObject({
		to: list(notifyRecipient, 'must name at least one recipient'),
		channel: orExpression(z.enum(['email', 'webhook', 'in-app'])).optional().describe('default email'),
		preset: orExpression(z.enum(WEBHOOK_PRESETS)).optional().describe('how a webhook message is shaped (default generic)'),
		subject: text('the subject line; may hold ${{ }} expressions', 1),
		body: text('the message; may hold ${{ }} expressions').optional()
	})
	.superRefine((w, ctx) => {
		// People and webhook addresses do not mix: each channel reaches only one kind.
		const channel = w.channel ?? 'email';
		if (!['email', 'webhook', 'in-app'].includes(channel) || !Array.isArray(w.to)) return;
		w.to.forEach((entry, index) => {
			if (isSingleExpression(entry)) return;
			const fixed = replaceExpressions(entry, '1');
			const isAddress = isWebhookAddress(fixed);
			// An entry that is neither was reported by its own check.
			if (!isAddress && !recipient.safeParse(fixed).success) return;
			if (channel === 'webhook' && !isAddress) ctx.addIssue({ code: 'custom', path: ['to', index], message: 'a webhook goes to a URL or secret:NAME, not to a person' });
			if (channel !== 'webhook' && isAddress) ctx.addIssue({ code: 'custom', path: ['to', index], message: `a URL or secret:NAME is a webhook address: set channel: webhook (this step sends ${channel})` });
		});
	});

export const trainingAssignWith = z.strictObject({
	module: orExpression(resourceName).describe('the TrainingModule to assign'),
	to: list(principal, 'must name at least one person or role').describe('role:NAME or user:USERNAME'),
	due: templatedDuration.optional().describe('how long people have to complete it (default: the module’s own `due`)')
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
	'backup.prune': backupPruneWith,
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
