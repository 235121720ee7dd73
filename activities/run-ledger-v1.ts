import { Context } from '@temporalio/activity';
import { and, desc, eq, gte, inArray, isNull, sql } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { emergencyStops, FINISHED_STEP_STATUSES, notifications, runbookVersions, runEvents, runs, runSteps, type RunStatus, type StepStatus } from '../db/schema/index.ts';
import { IMPLICIT_GATE } from '../workflows/approvals.ts';
import { gateId, type EmergencyStopNotice } from '../workflows/definitions.ts';
import { appendAudit } from '../shared/audit.ts';
import { approvalLinkKey, approvalLinkPath } from '../shared/approval-links.ts';
import { principalsToPeople } from './approval-notices.ts';

/**
 * FROZEN with workflows/legacy/runbook-run-v1.ts: the ledger activities engine v1 calls, kept so
 * its runs finish. Engine v2 writes through activities/run-ledger.ts.
 *
 * Mirrors what the workflow decides into `runs`, `run_steps` and `run_events`, so pages and the
 * API read plain rows. Every write is idempotent under retry: updates set absolute values and
 * events carry a key derived from the activity that wrote them.
 */

function eventKey(suffix = ''): string {
	const info = Context.current().info;
	return `${info.workflowExecution?.runId ?? info.workflowExecution?.workflowId}:${info.activityId}${suffix}`;
}

export interface StepChange {
	runId: string;
	stepId: string;
	status: StepStatus;
	outputs?: Record<string, unknown>;
	error?: string;
	message?: string;
}

export interface DecisionEntry {
	runId: string;
	stepId: string;
	actor: { id: string; username: string };
	/** `override` lets a step run through a change freeze; `check` ticks off checklist items. */
	decision: 'approve' | 'reject' | 'override' | 'check';
	comment?: string;
}

const DECISION_VERBS: Record<DecisionEntry['decision'], string> = { approve: 'approved', reject: 'rejected', override: 'freeze overridden', check: 'checked' };

type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];

async function writeStepChange(tx: Tx, change: StepChange, key: string): Promise<void> {
	const terminal = (FINISHED_STEP_STATUSES as readonly StepStatus[]).includes(change.status);
	await tx
		.update(runSteps)
		.set({
			status: change.status,
			// An approval's wait counts as the step's start: the page shows how long it has waited.
			...(change.status === 'running' || change.status === 'waiting' ? { startedAt: sql`coalesce(${runSteps.startedAt}, now())` } : {}),
			...(terminal ? { finishedAt: sql`now()` } : {}),
			...(change.outputs !== undefined ? { outputs: change.outputs } : {}),
			...(change.error !== undefined ? { error: change.error } : {})
		})
		.where(and(eq(runSteps.runId, change.runId), eq(runSteps.stepId, change.stepId)));
	await tx
		.insert(runEvents)
		.values({ runId: change.runId, stepId: change.stepId, key, status: change.status, message: change.message ?? change.error ?? null })
		.onConflictDoNothing();
}

const PRINCIPAL = /^(role|user):[^\s:]+$/;

/** The approval step named `stepId` anywhere in a runbook document's steps (groups hold steps of their own). */
function findStep(steps: unknown, stepId: string): Record<string, unknown> | undefined {
	if (!Array.isArray(steps)) return undefined;
	for (const step of steps as Array<Record<string, unknown>>) {
		if (step?.id === stepId) return step;
		const inner = findStep(step?.steps, stepId);
		if (inner) return inner;
	}
	return undefined;
}

/**
 * Who may decide an approval, read from the run's pinned document as the workflow reads it: an
 * explicit step's `with`, or the implicit gate's fixed contract. Approvers written as expressions
 * are resolved only inside the workflow; those people find the approval in their inbox.
 */
export function approvalAudience(document: Record<string, unknown>, stepId: string): { approvers: string[]; fourEyes: boolean } | null {
	const steps = (document.spec as { steps?: unknown } | undefined)?.steps;
	const step = findStep(steps, stepId);
	if (step?.uses === 'approval') {
		const params = (step.with ?? {}) as { approvers?: unknown; fourEyes?: unknown };
		const approvers = Array.isArray(params.approvers) ? params.approvers.filter((a): a is string => typeof a === 'string' && PRINCIPAL.test(a)) : [];
		// Only an explicit false lifts four eyes; an expression counts as the default, the stricter reading.
		const fourEyes = !(params.fourEyes === false || params.fourEyes === 'false');
		return { approvers, fourEyes };
	}
	// A gate is not in the document: its id is the guarded step's with `.approval` added.
	const guarded = stepId.replace(/\.approval$/, '');
	if (!step && guarded !== stepId && gateId(guarded) === stepId && findStep(steps, guarded)) {
		return { approvers: [...(IMPLICIT_GATE.approvers as string[])], fourEyes: IMPLICIT_GATE.fourEyes as boolean };
	}
	return null;
}

export interface LedgerDeps {
	db: Db;
	/** Signs the links in approval notifications; without it (benchmarks) no notification is written. */
	config?: { TEND_SECRET_KEY: string };
}

export function createLegacyLedgerActivities({ db, config }: LedgerDeps) {
	const linkKey = config ? approvalLinkKey(config.TEND_SECRET_KEY) : null;

	/**
	 * Tells each person who may decide a waiting approval, with a signed link to it. `round` is the
	 * key of the ledger write that announced the wait: a retry writes the same keys (nothing new),
	 * a later wait of the same step (an approval asked again) tells everyone again.
	 */
	async function notifyApprovers({ runId, stepId, round, only, message }: { runId: string; stepId: string; round: string; only?: string; message?: string }): Promise<void> {
		if (!linkKey) return;
		const [row] = await db
			.select({ uses: runSteps.uses, initiatorId: runs.initiatorId, initiator: runs.initiator, runbook: runs.runbookName, version: runs.version, document: runbookVersions.document })
			.from(runSteps)
			.innerJoin(runs, eq(runs.id, runSteps.runId))
			.innerJoin(runbookVersions, eq(runbookVersions.id, runs.versionId))
			.where(and(eq(runSteps.runId, runId), eq(runSteps.stepId, stepId)));
		if (row?.uses !== 'approval') return;
		const audience = approvalAudience(row.document, stepId);
		if (!audience) return;
		const principals = only ? [only] : audience.approvers;
		// Four eyes: whoever started the run may not decide, so is not asked to.
		const people = (await principalsToPeople(db, principals)).filter((p) => !audience.fourEyes || (p.id !== row.initiatorId && p.username !== row.initiator));
		if (!people.length) return;
		const title = row.runbook ? `Approval needed: ${row.runbook} v${row.version}, step "${stepId}"` : `Approval needed: step "${stepId}"`;
		const link = approvalLinkPath(linkKey, runId, stepId);
		await db
			.insert(notifications)
			.values(people.map((person) => ({ userId: person.id, key: `approval:${round}:${person.id}`, title, body: message ?? '', link, runId })))
			.onConflictDoNothing({ target: notifications.key });
	}

	/** Notifications help; they never fail the ledger write the run depends on. */
	async function tryNotifyApprovers(args: Parameters<typeof notifyApprovers>[0]): Promise<void> {
		try {
			await notifyApprovers(args);
		} catch (error) {
			Context.current().log.warn('approval notifications not written', { runId: args.runId, stepId: args.stepId, error: (error as Error).message });
		}
	}

	return {
		/**
		 * Marks the run running and answers the emergency stop in force, if any: the run learns of
		 * stops begun before it existed here, and of later ones by signal.
		 */
		async 'ledger.runStarted'({ runId, resumed }: { runId: string; resumed?: number }): Promise<{ emergencyStop: EmergencyStopNotice | null }> {
			// The run's row is committed by the transaction that starts this workflow, a moment after
			// the start: the event goes first because its foreign key waits for that commit, so the
			// update below sees the row instead of missing it.
			const message = resumed ? `run resumed (${resumed}×)` : 'run started';
			await db.insert(runEvents).values({ runId, key: eventKey(), status: 'running', message }).onConflictDoNothing();
			await db
				.update(runs)
				.set({ status: 'running', startedAt: sql`coalesce(${runs.startedAt}, now())` })
				.where(and(eq(runs.id, runId), inArray(runs.status, ['pending', 'queued'])));
			const [stop] = await db.select().from(emergencyStops).where(isNull(emergencyStops.liftedAt)).orderBy(desc(emergencyStops.startedAt)).limit(1);
			return { emergencyStop: stop ? { id: stop.id, active: true, reason: stop.reason, by: stop.startedByName } : null };
		},

		/** The run waits for its turn on the target; the message names whom it waits behind. */
		async 'ledger.runQueued'({ runId, message }: { runId: string; message: string }): Promise<void> {
			// Event first, as in runStarted: its foreign key waits for the run's row to be committed.
			await db.insert(runEvents).values({ runId, key: eventKey(), status: 'queued', message }).onConflictDoNothing();
			await db.update(runs).set({ status: 'queued' }).where(and(eq(runs.id, runId), eq(runs.status, 'pending')));
		},

		/** A line on a step's timeline that changes nothing else: a forEach item, a hold, a window opening. */
		async 'ledger.stepEvent'({ runId, stepId, status, message }: { runId: string; stepId: string; status: string; message: string }): Promise<void> {
			await db.insert(runEvents).values({ runId, stepId, key: eventKey(), status, message }).onConflictDoNothing();
		},

		async 'ledger.stepChanged'(change: StepChange): Promise<void> {
			const key = eventKey();
			await db.transaction((tx) => writeStepChange(tx, change, key));
			// An approval (explicit or a gate) waits only through here; holds never put one on `waiting`.
			if (change.status === 'waiting') await tryNotifyApprovers({ runId: change.runId, stepId: change.stepId, round: key, message: change.message });
		},

		/** Several steps at once, e.g. every step a stopped run never started. */
		async 'ledger.stepsChanged'(changes: StepChange[]): Promise<void> {
			await db.transaction(async (tx) => {
				for (const change of changes) await writeStepChange(tx, change, eventKey(`:${change.stepId}`));
			});
		},

		/**
		 * Adds the run's implicit approval gates to `run_steps`, each just before the step it guards.
		 * A gate already present is left alone, so a retry shifts no position twice.
		 */
		async 'ledger.stepsAdded'({ runId, steps }: { runId: string; steps: Array<{ stepId: string; uses: string; before: string }> }): Promise<void> {
			await db.transaction(async (tx) => {
				for (const step of steps) {
					const [existing] = await tx.select({ stepId: runSteps.stepId }).from(runSteps).where(and(eq(runSteps.runId, runId), eq(runSteps.stepId, step.stepId)));
					if (existing) continue;
					const [before] = await tx.select({ position: runSteps.position }).from(runSteps).where(and(eq(runSteps.runId, runId), eq(runSteps.stepId, step.before)));
					const [last] = await tx.select({ position: sql<number>`coalesce(max(${runSteps.position}) + 1, 0)` }).from(runSteps).where(eq(runSteps.runId, runId));
					const position = before?.position ?? last.position;
					await tx
						.update(runSteps)
						.set({ position: sql`${runSteps.position} + 1` })
						.where(and(eq(runSteps.runId, runId), gte(runSteps.position, position)));
					await tx.insert(runSteps).values({ runId, stepId: step.stepId, position, uses: step.uses });
				}
			});
		},

		/**
		 * One approval decision, on the run's timeline and in the audit log. The event's key makes a
		 * retry a no-op, and the audit entry is written only with a new event, in the same transaction.
		 */
		async 'ledger.decisionRecorded'(entry: DecisionEntry): Promise<void> {
			const verb = DECISION_VERBS[entry.decision];
			await db.transaction(async (tx) => {
				const inserted = await tx
					.insert(runEvents)
					.values({ runId: entry.runId, stepId: entry.stepId, key: eventKey(), status: verb, message: `${verb} by ${entry.actor.username}${entry.comment ? `: ${entry.comment}` : ''}` })
					.onConflictDoNothing()
					.returning({ id: runEvents.id });
				if (!inserted.length) return;
				await appendAudit(tx, {
					actor: entry.actor.username,
					action: `run.step.${entry.decision}`,
					subject: `run:${entry.runId}`,
					details: { stepId: entry.stepId, actorId: entry.actor.id, ...(entry.comment ? { comment: entry.comment } : {}) }
				});
			});
		},

		async 'ledger.approvalEscalated'({ runId, stepId, to }: { runId: string; stepId: string; to: string }): Promise<void> {
			const key = eventKey();
			await db.insert(runEvents).values({ runId, stepId, key, status: 'escalated', message: `no decision yet: ${to} may now decide too` }).onConflictDoNothing();
			// Whoever the escalation adds is asked too; a person already asked gets a second, newer notice.
			await tryNotifyApprovers({ runId, stepId, round: key, only: to, message: `No decision yet: ${to} may now decide too.` });
		},

		async 'ledger.runFinished'({ runId, status, error }: { runId: string; status: RunStatus; error?: string }): Promise<void> {
			await db.transaction(async (tx) => {
				await tx.update(runs).set({ status, error: error ?? null, finishedAt: sql`coalesce(${runs.finishedAt}, now())` }).where(eq(runs.id, runId));
				await tx.insert(runEvents).values({ runId, key: eventKey(), status, message: error ?? `run ${status.replace('_', ' ')}` }).onConflictDoNothing();
			});
		}
	};
}

export type LegacyLedgerActivities = ReturnType<typeof createLegacyLedgerActivities>;

/** Called at the start of every attempt of a step's activity: the attempt count and `retrying` come from here. */
export async function recordAttempt(db: Db, runId: string, itemOrStepId: string, attempt: number): Promise<void> {
	// A forEach item runs as `<step>[<n>]`: its attempts count on the step's row.
	const stepId = itemOrStepId.replace(/\[\d+\]$/, '');
	await db
		.update(runSteps)
		.set({ attempts: sql`greatest(${runSteps.attempts}, ${attempt})`, status: attempt > 1 ? 'retrying' : 'running', startedAt: sql`coalesce(${runSteps.startedAt}, now())` })
		.where(and(eq(runSteps.runId, runId), eq(runSteps.stepId, stepId), inArray(runSteps.status, ['pending', 'running', 'retrying'])));
	// The first attempt puts `running` on the timeline; the workflow no longer writes it for activity steps.
	if (attempt === 1 && itemOrStepId === stepId) await db.insert(runEvents).values({ runId, stepId, key: eventKey(':running'), status: 'running', message: null }).onConflictDoNothing();
	if (attempt > 1) {
		await db.insert(runEvents).values({ runId, stepId, key: eventKey(`:attempt-${attempt}`), status: 'retrying', message: itemOrStepId === stepId ? `attempt ${attempt} started` : `${itemOrStepId.slice(stepId.length)}: attempt ${attempt} started` }).onConflictDoNothing();
	}
}

/**
 * Called when a whole step's activity returns (not a forEach item's, not a compensation's): the
 * step's `succeeded` and outputs are written by the activity itself, which saves the workflow a
 * ledger round trip per step. A retried completion writes the same values under the same key.
 */
export async function recordSuccess(db: Db, runId: string, stepId: string, outputs: Record<string, unknown>): Promise<void> {
	await db.transaction((tx) => writeStepChange(tx, { runId, stepId, status: 'succeeded', outputs }, eventKey(':succeeded')));
}
