import { ApplicationFailure, Context } from '@temporalio/activity';
import { desc, isNull, sql } from 'drizzle-orm';
import type { WorkflowClient } from '@temporalio/client';
import type { Db } from '../db/client.ts';
import { emergencyStops, runEvents } from '../db/schema/index.ts';
import { isRunFinished, type RunStatus, type StepStatus } from '../runbooks/run-model.ts';
import type { ApprovalView, ChecklistView, ItemsProgress, Principal, QueueView, RetryView, RunEventDetails, RunEventKind, StepHold } from '../runbooks/run-projection.ts';
import { approvalLinkKey } from '../shared/approval-links.ts';
import { appendAudit } from '../shared/audit.ts';
import { runProofKey, verifyRunAct } from '../shared/run-proofs.ts';
import type { RunAct } from '../workflows/acts.ts';
import type { EmergencyStopNotice } from '../workflows/definitions.ts';
import nodemailer from 'nodemailer';
import { approvalMailText, closeApprovalNotices, noticeApprovers, type ApprovalMail } from './approval-notices.ts';
import { tellLinkedFeedback } from './feedback-runs.ts';
import { RUN_CHANNEL } from './run-channel.ts';

/**
 * The run's projection (DESIGN §8): the workflow is its only writer, through these two local
 * activities. `ledger.apply` writes a batch of transitions — everything one workflow task
 * changed — in one transaction, then wakes the run's live viewers with one NOTIFY. Every write is
 * idempotent under retry: rows get absolute values, events carry a key derived from the activity
 * that wrote them. `ledger.recordAct` writes a person's act to the run's timeline and the audit log
 * once its proof checks out; the act counts in the workflow only after that.
 */

export type RunChange = {
	status?: RunStatus;
	error?: string | null;
	queue?: QueueView | null;
	/** ISO times from the workflow's clock: when it happened, not when the write landed. */
	startedAt?: string;
	finishedAt?: string | null;
	resumes?: number;
};

export type StepChange = {
	stepId: string;
	status?: StepStatus;
	attempts?: number;
	startedAt?: string;
	finishedAt?: string | null;
	outputs?: Record<string, unknown> | null;
	error?: string | null;
	hold?: StepHold | null;
	approval?: ApprovalView | null;
	checklist?: ChecklistView | null;
	items?: ItemsProgress | null;
	retry?: RetryView | null;
	/** A step the plan did not have (the undo checklist after a failed rollback): its row is added, last. */
	add?: { uses: string; name?: string };
};

export interface RunEventRecord {
	stepId?: string;
	kind: RunEventKind;
	details: RunEventDetails;
	at: string;
}

export interface LedgerBatch {
	runId: string;
	run?: RunChange;
	steps?: StepChange[];
	events?: RunEventRecord[];
	/** People to tell that an approval waits for them (a new round or an escalation). */
	notices?: Array<{ stepId: string; key: string; principals: Principal[]; fourEyes: boolean; message?: string }>;
	/** Approvals whose round ended: their notices are marked read for everyone who got one. */
	closedApprovals?: string[];
	/** Asked once, at the start: the emergency stop in force, if any. */
	readEmergencyStop?: boolean;
}

export interface ActRecord {
	act: RunAct;
	proof?: string;
	/** How the act appears on the timeline and in the audit log. */
	event: RunEventRecord;
	audit: { action: string; details: Record<string, unknown> };
}

export interface LedgerDeps {
	db: Db;
	/** The instance's keys: the current one signs approval links; any checks the proofs of people's acts. Benchmarks leave it out. */
	config?: { TEND_SECRET_KEY: string; TEND_SECRET_KEYS?: readonly string[]; SMTP_URL?: string; MAIL_FROM?: string; TEND_PUBLIC_URL?: string };
	/** The worker's client: feedback items linked to a run that ends are signalled through it. */
	workflows?: WorkflowClient;
}

async function sendApprovalMail(config: NonNullable<LedgerDeps['config']>, mail: ApprovalMail): Promise<void> {
	const transport = nodemailer.createTransport(config.SMTP_URL);
	try {
		await transport.sendMail({ from: config.MAIL_FROM, to: mail.to, subject: mail.subject, text: approvalMailText(mail, config.TEND_PUBLIC_URL), messageId: mail.messageId });
	} finally {
		transport.close();
	}
}

function activityKey(suffix: string): string {
	const info = Context.current().info;
	return `${info.workflowExecution?.runId ?? info.workflowExecution?.workflowId}:${info.activityId}${suffix}`;
}

export function createLedgerActivities({ db, config, workflows }: LedgerDeps) {
	const linkKey = config ? approvalLinkKey(config.TEND_SECRET_KEY) : null;
	const proofKey = config ? (config.TEND_SECRET_KEYS ?? [config.TEND_SECRET_KEY]).map(runProofKey) : null;

	/** The batch in one statement and one round trip (tend_apply_run_batch, migration 0007). */
	async function applyInTransaction(batch: LedgerBatch): Promise<void> {
		const { runId } = batch;
		// Undefined fields are left out by JSON, so the function sees only what changed; null clears.
		const { rows } = await db.execute<{ applied: boolean }>(
			sql`select tend_apply_run_batch(${runId}::uuid, ${JSON.stringify(batch.run ?? {})}::jsonb, ${JSON.stringify(batch.steps ?? [])}::jsonb, ${JSON.stringify(batch.events ?? [])}::jsonb, ${activityKey('')}, ${RUN_CHANNEL}) as applied`
		);
		// The start that wrote the run gave up on Temporal and removed it: this workflow must do nothing.
		if (!rows[0]?.applied) throw ApplicationFailure.create({ type: 'RunWithdrawn', nonRetryable: true, message: `run ${runId} was withdrawn before it started` });
	}

	return {
		async 'ledger.apply'(batch: LedgerBatch): Promise<{ emergencyStop: EmergencyStopNotice | null }> {
			await applyInTransaction(batch);
			// The run's end is written: feedback items linked to it take its outcome (a retry of this activity settles nothing twice).
			if (batch.run?.status && isRunFinished(batch.run.status)) await tellLinkedFeedback(db, workflows, batch.runId);
			// Notices help; they never fail the write the run depends on, and a retry of this activity sends none twice.
			for (const notice of batch.notices ?? []) {
				if (!linkKey) break;
				const log = Context.current().log;
				const mail = await noticeApprovers(db, linkKey, { runId: batch.runId, ...notice }).catch((error: Error) => {
					log.warn('approval notifications not written', { runId: batch.runId, stepId: notice.stepId, error: error.message });
					return null;
				});
				// Sent after the local activity answers: an SMTP server's pace must not hold up the run's workflow task.
				if (mail && config?.SMTP_URL) void sendApprovalMail(config, mail).catch((error: Error) => log.warn('approval email not sent', { runId: batch.runId, stepId: notice.stepId, error: error.message }));
			}
			for (const stepId of batch.closedApprovals ?? []) await closeApprovalNotices(db, batch.runId, stepId).catch(() => {});
			if (!batch.readEmergencyStop) return { emergencyStop: null };
			const [stop] = await db.select().from(emergencyStops).where(isNull(emergencyStops.liftedAt)).orderBy(desc(emergencyStops.startedAt)).limit(1);
			return { emergencyStop: stop ? { id: stop.id, active: true, reason: stop.reason, by: stop.startedByName } : null };
		},

		/**
		 * A person's act, on the timeline and in the audit log in one transaction, once its proof
		 * checks out. The event's key makes a retry a no-op, and the audit entry is written only
		 * with a new event. An act without a valid proof is refused for good.
		 */
		async 'ledger.recordAct'(record: ActRecord): Promise<void> {
			if (proofKey && !verifyRunAct(proofKey, record.act, record.proof)) {
				throw ApplicationFailure.create({ type: 'ForgedAct', nonRetryable: true, message: 'this act carries no valid proof that Tend authenticated the person; it does not count' });
			}
			const { act, event } = record;
			await db.transaction(async (tx) => {
				const inserted = await tx
					.insert(runEvents)
					.values({ runId: act.runId, stepId: event.stepId ?? null, key: activityKey(':act'), kind: event.kind, details: event.details, status: event.kind, at: new Date(event.at) })
					.onConflictDoNothing()
					.returning({ id: runEvents.id });
				if (!inserted.length) return;
				await appendAudit(tx, { actor: act.actor.username, action: record.audit.action, subject: `run:${act.runId}`, details: { ...record.audit.details, actorId: act.actor.id } });
				await tx.execute(sql`select pg_notify(${RUN_CHANNEL}, ${act.runId})`);
			});
		}
	};
}

export type LedgerActivities = ReturnType<typeof createLedgerActivities>;
