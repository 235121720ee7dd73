import type { StepUses } from './step-schemas.ts';

/**
 * The step catalog's plain facts (DESIGN §4), free of zod so the workflow bundle stays small (every
 * workflow in a worker's cache holds its own copy of the bundle's modules): what each step type does, in words the builder's palette uses,
 * the risk it carries unless a step says otherwise, what it takes (`with`) and what it gives back
 * (`outputs`, which expressions such as `${{ steps.backup.outputs.backupId }}` read).
 */
export type Risk = 'low' | 'medium' | 'high';

export interface StepFacts {
	uses: string;
	label: string;
	group: 'backup' | 'updates' | 'checks' | 'hygiene' | 'notify' | 'control';
	description: string;
	defaultRisk: Risk;
	/** Set for steps that heartbeat: a worker lost mid-step is noticed after this long, and the step retried. */
	heartbeatTimeout?: string;
	/** False for step types the interpreter does not execute yet; validation rejects them with a clear message. */
	available: boolean;
	/**
	 * The names the step's outputs hold. Expressions may read only these; what lies below one
	 * (`rows[0].count`) is not checked. Open (`true`) for a child runbook, whose outputs are its own.
	 */
	outputs: readonly string[];
	openOutputs?: boolean;
}

/**
 * A `forEach` step runs once per item; its outputs are then these, with each item's own outputs
 * in `results[n]` (in the order of the items).
 */
export const FOR_EACH_OUTPUTS = ['results', 'succeeded', 'failed'] as const;

type Entry = StepFacts & { uses: StepUses };
const entry = (e: Entry): StepFacts => e;

export const STEP_FACTS: readonly StepFacts[] = [
	entry({ uses: 'postgres.backup', label: 'Back up database', group: 'backup', description: 'pg_dump (custom or directory format, parallel) with sha256 and size, catalogued, copied offsite when the target says so', defaultRisk: 'low', available: true, heartbeatTimeout: '15s', outputs: ['backupId', 'path', 'sizeBytes', 'sha256', 'startedAt', 'durationMs', 'offsitePath'] }),
	entry({ uses: 'backup.verify', label: 'Verify a backup by restoring it', group: 'backup', description: 'Restore into a scratch database and compare row counts', defaultRisk: 'low', available: true, heartbeatTimeout: '15s', outputs: ['backupId', 'restoreMs', 'tablesCompared', 'mismatches', 'backupAgeSeconds'] }),
	entry({ uses: 'backup.prune', label: 'Prune old backups', group: 'backup', description: 'Keep the newest backup of each of the last days, weeks and months; delete the rest', defaultRisk: 'medium', available: true, heartbeatTimeout: '15s', outputs: ['kept', 'pruned', 'freedBytes', 'prunedIds'] }),
	entry({ uses: 'postgres.restore', label: 'Restore database', group: 'backup', description: 'Check the checksum, then pg_restore into the target or a scratch database', defaultRisk: 'high', available: true, heartbeatTimeout: '15s', outputs: ['database', 'durationMs', 'backupId', 'restoredFrom'] }),
	entry({ uses: 'postgres.migrate', label: 'Apply an update', group: 'updates', description: 'Apply (or with direction down, undo) a versioned SQL bundle from migrations/, verified, recorded in a ledger, with lock and statement timeouts', defaultRisk: 'high', available: true, heartbeatTimeout: '15s', outputs: ['applied', 'version', 'durationMs'] }),
	entry({ uses: 'sql.check', label: 'Check with SQL', group: 'checks', description: 'Read-only assertion: passes when the first column of the first row is true', defaultRisk: 'low', available: true, heartbeatTimeout: '15s', outputs: ['ok', 'rows'] }),
	entry({ uses: 'sql.exec', label: 'Run admin SQL', group: 'updates', description: 'One admin SQL statement, with lock and statement timeouts', defaultRisk: 'high', available: true, heartbeatTimeout: '15s', outputs: ['rowCount'] }),
	entry({ uses: 'http.check', label: 'Check a URL', group: 'checks', description: 'Status, body and latency; redirects only within the host', defaultRisk: 'low', available: true, outputs: ['status', 'latencyMs'] }),
	entry({ uses: 'http.request', label: 'Call an API', group: 'updates', description: 'A deploy hook or API call, with an idempotency key', defaultRisk: 'medium', available: true, outputs: ['status', 'latencyMs', 'body'] }),
	entry({ uses: 'postgres.maintain', label: 'Maintain indexes and statistics', group: 'hygiene', description: 'VACUUM (ANALYZE), REINDEX CONCURRENTLY, index report (unused, duplicate, bloated)', defaultRisk: 'medium', available: true, heartbeatTimeout: '30s', outputs: ['vacuumed', 'reindexed', 'report', 'durationMs', 'analyzed', 'summary'] }),
	entry({ uses: 'data.dedupe', label: 'Find and merge duplicates', group: 'hygiene', description: 'Duplicate customers by normalised email, phone and similar names: a dry-run report, a merge that re-points references and archives the merged rows, or its undo', defaultRisk: 'high', available: true, heartbeatTimeout: '30s', outputs: ['groups', 'duplicates', 'merged', 'restored', 'report'] }),
	entry({ uses: 'data.purge', label: 'Purge old rows', group: 'hygiene', description: 'Retention in primary-key batches, each a short transaction; optionally archived in the same one', defaultRisk: 'high', available: true, heartbeatTimeout: '30s', outputs: ['deleted', 'batches', 'archived', 'archiveTable', 'cutoff', 'table', 'complete'] }),
	entry({ uses: 'data.archive', label: 'Archive old rows', group: 'hygiene', description: 'Copy old rows to an archive schema or a .csv.gz file, in batches', defaultRisk: 'medium', available: true, heartbeatTimeout: '30s', outputs: ['archived', 'batches', 'location', 'cutoff', 'table', 'complete'] }),
	entry({ uses: 'logs.cleanup', label: 'Clean up logs', group: 'hygiene', description: 'Log retention in batches (default table app_logs)', defaultRisk: 'medium', available: true, heartbeatTimeout: '30s', outputs: ['deleted', 'batches', 'archived', 'archiveTable', 'cutoff', 'table', 'complete'] }),
	entry({ uses: 'notify', label: 'Notify users', group: 'notify', description: 'Email, webhook or in-app message', defaultRisk: 'low', available: true, outputs: ['delivered', 'recipients'] }),
	entry({ uses: 'training.assign', label: 'Assign training', group: 'notify', description: 'Assign a training module to people and roles (once each, however often the step runs)', defaultRisk: 'low', available: true, outputs: ['assigned', 'created'] }),
	entry({ uses: 'approval', label: 'Ask for approval', group: 'control', description: 'Wait for a quorum of approvers', defaultRisk: 'low', available: true, outputs: ['decisions'] }),
	entry({ uses: 'manual', label: 'Manual checklist', group: 'control', description: 'A person ticks off a checklist', defaultRisk: 'low', available: true, outputs: ['completedBy', 'notes'] }),
	entry({ uses: 'wait', label: 'Wait', group: 'control', description: 'A duration, a time or the next window', defaultRisk: 'low', available: true, outputs: ['waitedMs'] }),
	entry({ uses: 'runbook', label: 'Run another runbook', group: 'control', description: 'A child run', defaultRisk: 'low', available: true, outputs: ['runId', 'status', 'outputs'], openOutputs: true })
];

export const STEP_FACTS_BY_USES = new Map(STEP_FACTS.map((t) => [t.uses, t]));
