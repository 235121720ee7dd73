/**
 * The step catalog (DESIGN §4): what each step type does, in words the builder's palette uses,
 * and the risk it carries unless a step says otherwise.
 */
export type Risk = 'low' | 'medium' | 'high';

export interface StepType {
	uses: string;
	label: string;
	group: 'backup' | 'updates' | 'checks' | 'hygiene' | 'notify' | 'control';
	description: string;
	defaultRisk: Risk;
	/** Set for steps that heartbeat: a worker lost mid-step is noticed after this long, and the step retried. */
	heartbeatTimeout?: string;
	/** False for step types the interpreter does not execute yet; validation rejects them with a clear message. */
	available: boolean;
}

export const STEP_TYPES: readonly StepType[] = [
	{ uses: 'postgres.backup', label: 'Back up database', group: 'backup', description: 'pg_dump with sha256 and size, catalogued with retention', defaultRisk: 'low', available: true, heartbeatTimeout: '15s' },
	{ uses: 'backup.verify', label: 'Verify a backup by restoring it', group: 'backup', description: 'Restore into a scratch database and compare row counts', defaultRisk: 'low', available: true, heartbeatTimeout: '15s' },
	{ uses: 'postgres.restore', label: 'Restore database', group: 'backup', description: 'pg_restore into the target or a scratch database', defaultRisk: 'high', available: false },
	{ uses: 'postgres.migrate', label: 'Apply an update', group: 'updates', description: 'Apply a versioned SQL bundle with a ledger', defaultRisk: 'high', available: false },
	{ uses: 'sql.check', label: 'Check with SQL', group: 'checks', description: 'Read-only assertion', defaultRisk: 'low', available: false },
	{ uses: 'sql.exec', label: 'Run admin SQL', group: 'updates', description: 'Admin SQL', defaultRisk: 'high', available: false },
	{ uses: 'http.check', label: 'Check a URL', group: 'checks', description: 'Status, body and latency', defaultRisk: 'low', available: false },
	{ uses: 'http.request', label: 'Call an API', group: 'updates', description: 'A deploy hook or API call', defaultRisk: 'medium', available: false },
	{ uses: 'postgres.maintain', label: 'Maintain indexes and statistics', group: 'hygiene', description: 'VACUUM (ANALYZE), REINDEX CONCURRENTLY, index report', defaultRisk: 'medium', available: false },
	{ uses: 'data.dedupe', label: 'Find and merge duplicates', group: 'hygiene', description: 'Duplicate customers, dry run or merge', defaultRisk: 'high', available: false },
	{ uses: 'data.purge', label: 'Purge old rows', group: 'hygiene', description: 'Retention in batches', defaultRisk: 'high', available: false },
	{ uses: 'data.archive', label: 'Archive old rows', group: 'hygiene', description: 'Archive to a schema or file', defaultRisk: 'medium', available: false },
	{ uses: 'logs.cleanup', label: 'Clean up logs', group: 'hygiene', description: 'Log retention in batches', defaultRisk: 'medium', available: false },
	{ uses: 'notify', label: 'Notify users', group: 'notify', description: 'Email, webhook or in-app message', defaultRisk: 'low', available: true },
	{ uses: 'training.assign', label: 'Assign training', group: 'notify', description: 'Assign a module to an audience', defaultRisk: 'low', available: false },
	{ uses: 'approval', label: 'Ask for approval', group: 'control', description: 'Wait for a quorum of approvers', defaultRisk: 'low', available: false },
	{ uses: 'manual', label: 'Manual checklist', group: 'control', description: 'A person ticks off a checklist', defaultRisk: 'low', available: false },
	{ uses: 'wait', label: 'Wait', group: 'control', description: 'A duration, a time or the next window', defaultRisk: 'low', available: false },
	{ uses: 'runbook', label: 'Run another runbook', group: 'control', description: 'A child run', defaultRisk: 'low', available: false }
];

export const STEP_TYPE_BY_USES = new Map(STEP_TYPES.map((t) => [t.uses, t]));
