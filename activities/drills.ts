import { Context } from '@temporalio/activity';
import type { WorkflowClient } from '@temporalio/client';
import { and, desc, eq, inArray, isNotNull, isNull, sql } from 'drizzle-orm';
import { createHash } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { backups, drillRuns, notifications, runSteps, secrets, targets, type DrillScores, type DrillRunStatus } from '../db/schema/index.ts';
import type { FaultType } from '../runbooks/drill-faults.ts';
import { appendAudit } from '../shared/audit.ts';
import { prepareRunbookRun, RunbookNotFoundError, RunInputError, uuidV5 } from '../shared/run-start.ts';
import { runProofKey, verifyRunAct, type RunAct } from '../shared/run-proofs.ts';
import { putSecret, secretKeys } from '../shared/secrets.ts';
import { runWorkflowId, type RunbookRunInput } from '../workflows/definitions.ts';
import type { TableState } from '../workflows/drill-definitions.ts';
import { applyFault } from './drill-faults.ts';
import { nonRetryable } from './failures.ts';
import nodemailer from 'nodemailer';
import { checkedBackupCopy } from './postgres-restore.ts';
import { findPgTool, libpqEnv, runPgTool, serverMajorVersion, withDatabase, withPgClient } from './pg-tools.ts';
import { resolveRecipients } from './recipients.ts';
import type { ActivityDeps } from './step-context.ts';
import { targetDatabaseUrl } from './targets.ts';

/**
 * The activities of a drill run (workflows/drill-run.ts). A drill works on a scratch copy of the
 * target's database, registered as a target of its own for the drill alone; the fault is injected
 * only after `assertScratch` has proved the database it reached is that copy.
 */

/** Written on every scratch copy a drill creates, with the drill run's id: the fault activity checks it. */
export const drillScratchMark = (drillRunId: string) => `tend drill scratch copy (drill run ${drillRunId})`;
const hex = (text: string, n: number) => createHash('sha256').update(text).digest('hex').slice(0, n);
export const scratchDatabaseName = (drillRunId: string) => `tend_drill_${hex(drillRunId, 16)}`;
export const scratchTargetName = (drillRunId: string) => `drill-${hex(drillRunId, 12)}`;
const scratchSecretName = (drillRunId: string) => `drill-${hex(drillRunId, 12)}-db`;
const ident = (name: string) => pg.escapeIdentifier(name);

export interface DrillRecord {
	drillRunId: string;
	status?: DrillRunStatus;
	event?: { kind: string; details?: Record<string, unknown> };
	set?: { faultAt?: string; acknowledgedAt?: string; acknowledgedBy?: string; recoveredAt?: string; finishedAt?: string; finding?: string | null; scores?: DrillScores; recoveryRunId?: string };
}

export interface DrillActRecord {
	act: RunAct;
	proof?: string;
	/** What the act changes on the drill run's row. */
	set?: DrillRecord['set'];
	event: { kind: string; details?: Record<string, unknown> };
}

export interface VerifyRequest {
	drillRunId: string;
	database: string;
	baseline: Record<string, TableState>;
	ignoreTables: string[];
	rowsLostAllowed: number;
}

export interface VerifyResult {
	ok: boolean;
	rowsLost: Record<string, number>;
	changed: string[];
	finding: string | null;
	/** How old the data the recovery restored was at the fault: the recovery's backup, if it named one. */
	rpoMs: number | null;
}

type DrillDeps = ActivityDeps & { workflows?: WorkflowClient };

/** Every ordinary table's rows and an order-independent checksum of their text, per table. */
export async function tableStates(client: pg.Client): Promise<Record<string, TableState>> {
	const { rows: tables } = await client.query<{ name: string }>(
		`select format('%I.%I', n.nspname, c.relname) as name
		   from pg_class c join pg_namespace n on n.oid = c.relnamespace
		  where c.relkind in ('r', 'p') and n.nspname not in ('pg_catalog', 'information_schema') and n.nspname not like 'pg_toast%'
		  order by 1`
	);
	const states: Record<string, TableState> = {};
	for (const { name } of tables) {
		// The name comes from format('%I.%I'): a quoted identifier. A sum of row hashes needs no sort.
		const { rows } = await client.query<{ n: string; sum: string | null }>(`select count(*) as n, sum(hashtextextended(t::text, 0))::text as sum from ${name} t`);
		states[name] = { rows: Number(rows[0].n), checksum: rows[0].sum ?? '0' };
	}
	return states;
}

/** Compares the tables after the recovery with the state before the fault. */
export function compareTables(baseline: Record<string, TableState>, after: Record<string, TableState>, ignore: readonly string[], rowsLostAllowed: number): Omit<VerifyResult, 'rpoMs'> {
	const ignored = new Set(ignore.flatMap((t) => (t.includes('.') ? [t] : [`public.${t}`, t])));
	const rowsLost: Record<string, number> = {};
	const changed: string[] = [];
	for (const [table, before] of Object.entries(baseline)) {
		if (ignored.has(table)) continue;
		const now = after[table];
		if (!now) {
			rowsLost[table] = before.rows;
			continue;
		}
		if (now.rows === before.rows && now.checksum === before.checksum) continue;
		if (now.rows < before.rows) rowsLost[table] = before.rows - now.rows;
		// Fewer rows may be an old backup; the same count with other contents is damage the recovery left.
		else changed.push(table);
	}
	const lost = Object.values(rowsLost).reduce((a, b) => a + b, 0);
	const problems: string[] = [];
	if (changed.length) problems.push(`tables whose rows differ from before the fault: ${changed.join(', ')}`);
	if (lost > rowsLostAllowed)
		problems.push(
			`${lost} rows lost (the objective allows ${rowsLostAllowed}): ${Object.entries(rowsLost)
				.map(([t, n]) => `${t} ${n}`)
				.join(', ')}`
		);
	return { ok: problems.length === 0, rowsLost, changed, finding: problems.length ? `verification failed: ${problems.join('; ')}` : null };
}

export function createDrillActivities(deps: DrillDeps) {
	const { db } = deps;
	const proofKeys = (deps.config.TEND_SECRET_KEYS ?? [deps.config.TEND_SECRET_KEY]).map(runProofKey);

	async function loadRun(drillRunId: string) {
		const [row] = await db.select().from(drillRuns).where(eq(drillRuns.id, drillRunId));
		if (!row) throw nonRetryable('DrillRunNotFound', `drill run ${drillRunId} is not recorded`);
		return row;
	}

	async function record(change: DrillRecord): Promise<void> {
		const set: Record<string, unknown> = {};
		if (change.status) set.status = change.status;
		for (const [key, value] of Object.entries(change.set ?? {})) {
			if (value === undefined) continue;
			set[key] = key.endsWith('At') && typeof value === 'string' ? new Date(value) : value;
		}
		if (change.event) {
			const entry = { at: new Date().toISOString(), kind: change.event.kind, details: change.event.details ?? {} };
			set.timeline = sql`${drillRuns.timeline} || ${JSON.stringify([entry])}::jsonb`;
		}
		if (Object.keys(set).length) await db.update(drillRuns).set(set).where(eq(drillRuns.id, change.drillRunId));
	}

	/** The source database's URL, and the scratch copy's on the same server. */
	async function urls(run: { target: string; id: string }, database: string) {
		const source = await targetDatabaseUrl(deps, run.target, database, 'postgres.restore');
		return { source, scratch: withDatabase(source, scratchDatabaseName(run.id)) };
	}

	/**
	 * The fault's own guard: the database reached through `target` must be this drill run's scratch
	 * copy — the target registered for it, a database carrying its mark, and not the source's.
	 */
	async function assertScratch(drillRunId: string, target: string, database: string): Promise<{ url: string; name: string }> {
		const [run] = await db.select().from(drillRuns).where(eq(drillRuns.id, drillRunId));
		if (!run || run.scratchTarget !== target || !run.scratchDatabase || run.scratchDroppedAt) {
			throw nonRetryable('NotScratch', `refusing to inject a fault: target "${target}" is not the scratch copy of drill run ${drillRunId}`);
		}
		const url = await targetDatabaseUrl(deps, target, database, 'postgres.restore');
		const source = await targetDatabaseUrl(deps, run.target, database, 'postgres.restore');
		const sourceName = new URL(source).pathname.slice(1);
		const mark = await withPgClient(url, async (client) => {
			const { rows } = await client.query<{ name: string; mark: string | null }>(
				`select current_database() as name, shobj_description(d.oid, 'pg_database') as mark from pg_database d where d.datname = current_database()`
			);
			return rows[0];
		});
		if (mark.name !== run.scratchDatabase || mark.mark !== drillScratchMark(drillRunId) || (mark.name === decodeURIComponent(sourceName) && new URL(url).host === new URL(source).host)) {
			throw nonRetryable('NotScratch', `refusing to inject a fault: database "${mark.name}" is not marked as drill run ${drillRunId}'s scratch copy`);
		}
		return { url, name: mark.name };
	}

	return {
		'drills.record': record,

		/**
		 * Creates the scratch copy: the newest verified backup of the target's database (its checksum
		 * checked first), else a pg_dump snapshot taken now; restored into a database marked as this
		 * drill's, registered as a target of its own. A retry drops a half-made copy and starts again.
		 */
		async 'drills.prepareScratch'(input: { drillRunId: string; database: string }): Promise<{ scratchTarget: string; scratchDatabase: string; source: string; restoreMs: number }> {
			const run = await loadRun(input.drillRunId);
			const activity = Context.current();
			const heartbeat = setInterval(() => activity.heartbeat(), 2000);
			const name = scratchDatabaseName(run.id);
			const { source, scratch } = await urls(run, input.database);
			let snapshotFile: string | null = null;
			try {
				const [backup] = await db
					.select()
					.from(backups)
					.where(and(eq(backups.target, run.target), eq(backups.database, input.database), isNull(backups.prunedAt), isNotNull(backups.verifiedAt)))
					.orderBy(desc(backups.startedAt))
					.limit(1);
				return await withPgClient(source, async (admin) => {
					const server = await serverMajorVersion(admin);
					let path: string;
					let from: string;
					if (backup) {
						path = (await checkedBackupCopy(backup)).path;
						from = backup.id;
					} else {
						const folder = join(deps.config.TEND_HOME, 'drills');
						mkdirSync(folder, { recursive: true });
						snapshotFile = join(folder, `${name}.dump`);
						const pgDump = findPgTool('pg_dump', server.major, deps.config.TEND_PG_BIN);
						await runPgTool(pgDump, ['--no-password', '--format=custom', `--file=${snapshotFile}`], libpqEnv(source), activity.cancellationSignal).done;
						path = snapshotFile;
						from = 'snapshot';
					}
					await admin.query(`drop database if exists ${ident(name)} with (force)`);
					await admin.query(`create database ${ident(name)}`);
					await admin.query(`comment on database ${ident(name)} is '${drillScratchMark(run.id)}'`);
					const started = performance.now();
					const pgRestore = findPgTool('pg_restore', server.major, deps.config.TEND_PG_BIN);
					await runPgTool(pgRestore, ['--no-password', '--no-owner', '--no-privileges', '--exit-on-error', `--dbname=${name}`, path], libpqEnv(source, name), activity.cancellationSignal).done;
					const restoreMs = Math.round(performance.now() - started);
					const scratchTarget = scratchTargetName(run.id);
					const secret = scratchSecretName(run.id);
					await putSecret(db, secretKeys(deps.config), secret, scratch);
					const document = {
						apiVersion: 'tend/v1',
						kind: 'Target',
						metadata: { name: scratchTarget, title: `Scratch copy of ${run.target} for drill ${run.drillName}`, description: `Created by drill run ${run.id}; torn down when the drill ends.`, tags: ['scratch', 'drill'] },
						spec: { databases: { [input.database]: { url: `secret:${secret}` } }, urls: {}, audiences: {} }
					};
					await db.transaction(async (tx) => {
						await tx.insert(targets).values({ name: scratchTarget, title: document.metadata.title, document }).onConflictDoUpdate({ target: targets.name, set: { document } });
						await tx.update(drillRuns).set({ scratchTarget, scratchDatabase: name, scratchSource: from }).where(eq(drillRuns.id, run.id));
						await appendAudit(tx, { actor: 'system', action: 'drill.scratch_created', subject: `drill-run:${run.id}`, details: { target: scratchTarget, database: name, from } });
					});
					await record({ drillRunId: run.id, event: { kind: 'drill.scratch_ready', details: { target: scratchTarget, database: name, from, restoreMs } } });
					return { scratchTarget, scratchDatabase: name, source: from, restoreMs };
				});
			} finally {
				clearInterval(heartbeat);
				if (snapshotFile) rmSync(snapshotFile, { force: true });
			}
		},

		async 'drills.snapshot'(input: { drillRunId: string; database: string }): Promise<Record<string, TableState>> {
			const run = await loadRun(input.drillRunId);
			const { url } = await assertScratch(run.id, run.scratchTarget ?? '', input.database);
			const heartbeat = setInterval(() => Context.current().heartbeat(), 2000);
			try {
				return await withPgClient(url, tableStates);
			} finally {
				clearInterval(heartbeat);
			}
		},

		/** Injects the scenario's fault, refusing anything but this drill's scratch copy. Marks the moment the clock starts. */
		async 'drills.injectFault'(input: { drillRunId: string; target: string; database: string; fault: FaultType; with: unknown }): Promise<{ at: string; summary: string; affected: number }> {
			// A retry after the fault was recorded (a worker lost on the way back) must not inject it twice.
			const [recorded] = await db.select().from(drillRuns).where(eq(drillRuns.id, input.drillRunId));
			if (recorded?.faultAt) {
				const event = recorded.timeline.find((e) => e.kind === 'drill.fault_injected');
				return { at: recorded.faultAt.toISOString(), summary: String(event?.details.summary ?? input.fault), affected: Number(event?.details.affected ?? 0) };
			}
			const scratch = await assertScratch(input.drillRunId, input.target, input.database);
			const admin = new pg.Client({ connectionString: withDatabase(scratch.url, 'postgres') });
			const client = new pg.Client({ connectionString: scratch.url });
			await admin.connect();
			try {
				await client.connect();
				const done = await applyFault(client, admin, scratch.name, input.fault, input.with);
				const at = new Date().toISOString();
				await record({ drillRunId: input.drillRunId, status: 'waiting_ack', set: { faultAt: at }, event: { kind: 'drill.fault_injected', details: { fault: input.fault, summary: done.summary, affected: done.affected } } });
				return { at, ...done };
			} finally {
				await client.end().catch(() => {});
				await admin.end().catch(() => {});
			}
		},

		/** Pages one escalation level: an in-app notice per person and an email to each. */
		async 'drills.page'(input: { drillRunId: string; level: number; to: string[]; title: string }): Promise<{ paged: string[] }> {
			const { people } = await resolveRecipients(db, input.to);
			const link = `/drills/runs/${input.drillRunId}`;
			const subject = `Drill: ${input.title} — acknowledge now`;
			const body = `A recovery drill has started: ${input.title}. The clock is running. Open ${link} and press "I'm on it".`;
			if (people.length) {
				await db
					.insert(notifications)
					.values(people.map((p) => ({ userId: p.id, key: `drill:${input.drillRunId}:page:${input.level}:${p.id}`, title: subject, body, link })))
					.onConflictDoNothing({ target: notifications.key });
			}
			if (people.length) {
				// Mail helps; a relay that is down must not stop the page already shown in the app. Its Message-ID is fixed per level, so a retry is the same message.
				const transport = nodemailer.createTransport(deps.config.SMTP_URL);
				await transport
					.sendMail({ from: deps.config.MAIL_FROM, to: people.map((p) => p.email), subject, text: `${body}\n\n${(deps.config.TEND_PUBLIC_URL ?? '').replace(/\/$/, '')}${link}`, messageId: `<drill.${input.drillRunId}.${input.level}@tend>` })
					.catch((error: Error) => Context.current().log.warn('drill page mail not sent', { error: error.message }))
					.finally(() => transport.close());
			}
			const paged = people.map((p) => `user:${p.username}`).sort();
			await record({ drillRunId: input.drillRunId, event: { kind: input.level === 0 ? 'drill.paged' : 'drill.escalated', details: { level: input.level, to: input.to, paged } } });
			return { paged };
		},

		/** A person's act (acknowledge, start the recovery, abort) counts once its proof checks out. */
		async 'drills.recordAct'(input: DrillActRecord): Promise<void> {
			if (!verifyRunAct(proofKeys, input.act, input.proof)) {
				throw nonRetryable('ForgedAct', 'this act carries no valid proof that Tend authenticated the person; it does not count');
			}
			await record({ drillRunId: input.act.runId, set: input.set, event: { kind: input.event.kind, details: { ...(input.event.details ?? {}), by: input.act.actor.username } } });
			await appendAudit(db, { actor: input.act.actor.username, action: input.event.kind, subject: `drill-run:${input.act.runId}`, details: { ...input.act.what, actorId: input.act.actor.id } });
		},

		/** The recovery run's record, against the scratch target: the real runbook, not a copy of it. */
		async 'drills.prepareRecovery'(input: { drillRunId: string; runbook: string; inputs: Record<string, unknown>; initiator: { id: string; username: string } }): Promise<{ workflowId: string; input: RunbookRunInput }> {
			const run = await loadRun(input.drillRunId);
			if (!run.scratchTarget || run.scratchDroppedAt) throw nonRetryable('NotScratch', `drill run ${run.id} has no scratch copy to recover`);
			const id = uuidV5(`drill:${run.id}/recovery`);
			try {
				const prepared = await prepareRunbookRun(db, { id, runbookName: input.runbook, inputs: input.inputs, initiator: input.initiator, target: run.scratchTarget });
				await record({ drillRunId: run.id, status: 'recovering', set: { recoveryRunId: id }, event: { kind: 'drill.recovery_started', details: { runbook: input.runbook, runId: id, version: prepared.input.runbook.version } } });
				return { workflowId: runWorkflowId(id), input: prepared.input };
			} catch (error) {
				if (error instanceof RunbookNotFoundError) throw nonRetryable('RunbookNotFound', error.message);
				if (error instanceof RunInputError) throw nonRetryable('InvalidRunInputs', `recovery runbook "${input.runbook}": ${error.message}`);
				throw error;
			}
		},

		async 'drills.verify'(input: VerifyRequest): Promise<VerifyResult> {
			const run = await loadRun(input.drillRunId);
			const url = withDatabase(await targetDatabaseUrl(deps, run.target, input.database, 'postgres.restore'), run.scratchDatabase ?? '');
			const heartbeat = setInterval(() => Context.current().heartbeat(), 2000);
			try {
				let after: Record<string, TableState>;
				try {
					after = await withPgClient(url, tableStates);
				} catch (error) {
					after = {};
					Context.current().log.warn('scratch copy unreadable at verification', { error: (error as Error).message });
				}
				const compared = compareTables(input.baseline, after, input.ignoreTables, input.rowsLostAllowed);
				const rpoMs = await recoveryBackupAge(run.recoveryRunId, run.faultAt);
				return { ...compared, rpoMs };
			} finally {
				clearInterval(heartbeat);
			}
		},

		/** Drops the scratch copy, its target and its secret. Idempotent: a retry finds nothing left to drop. */
		async 'drills.teardown'(input: { drillRunId: string; database: string }): Promise<{ dropped: boolean }> {
			const run = await loadRun(input.drillRunId);
			const name = scratchDatabaseName(run.id);
			const { source } = await urls(run, input.database);
			await withPgClient(withDatabase(source, 'postgres'), async (admin) => {
				const { rows } = await admin.query<{ mark: string | null }>(`select shobj_description(oid, 'pg_database') as mark from pg_database where datname = $1`, [name]);
				// Only a database carrying this drill's mark is ever dropped here.
				if (rows.length && rows[0].mark === drillScratchMark(run.id)) await admin.query(`drop database if exists ${ident(name)} with (force)`);
			});
			const scratchTarget = scratchTargetName(run.id);
			await db.transaction(async (tx) => {
				await tx.delete(targets).where(eq(targets.name, scratchTarget));
				await tx.delete(secrets).where(eq(secrets.name, scratchSecretName(run.id)));
				await tx.update(drillRuns).set({ scratchDroppedAt: new Date() }).where(eq(drillRuns.id, run.id));
			});
			await record({ drillRunId: run.id, event: { kind: 'drill.scratch_dropped', details: { database: name } } });
			return { dropped: true };
		},

		/** Asks the recovery run to stop (an abort mid-recovery); the run records its own cancel. */
		async 'drills.cancelRecovery'(input: { recoveryRunId: string }): Promise<void> {
			if (!deps.workflows) return;
			await deps.workflows
				.getHandle(runWorkflowId(input.recoveryRunId))
				.cancel()
				.catch(() => {});
		}
	};

	/** The age of the backup the recovery restored, at the moment of the fault. */
	async function recoveryBackupAge(recoveryRunId: string | null, faultAt: Date | null): Promise<number | null> {
		if (!recoveryRunId || !faultAt) return null;
		const rows = await db.select({ outputs: runSteps.outputs }).from(runSteps).where(eq(runSteps.runId, recoveryRunId));
		const ids = rows.map((r) => (r.outputs as { backupId?: unknown } | null)?.backupId).filter((id): id is string => typeof id === 'string');
		if (!ids.length) return null;
		const found = await db.select({ startedAt: backups.startedAt }).from(backups).where(inArray(backups.id, ids)).orderBy(desc(backups.startedAt)).limit(1);
		return found.length ? Math.max(0, faultAt.getTime() - found[0].startedAt.getTime()) : null;
	}
}

export type DrillActivities = ReturnType<typeof createDrillActivities>;
