import type { UpdateDefinition } from '@temporalio/common';
import { ApplicationFailure } from '@temporalio/common';
import { WorkflowNotFoundError, WorkflowUpdateFailedError, WorkflowUpdateRPCTimeoutOrCancelledError } from '@temporalio/client';
import { and, desc, eq, inArray, isNull, notInArray } from 'drizzle-orm';
import { drillRuns, FINISHED_DRILL_STATUSES, type DrillDebrief, type DrillRun } from '$db/schema/index.ts';
import { config } from '$shared/config.ts';
import { drillVersionList, getDrill, listDrills, startDrillRun } from '$shared/drill-store.ts';
import { drillAct } from '$workflows/acts.ts';
import type { Actor } from '$workflows/definitions.ts';
import { drillAbortUpdate, drillAckUpdate, drillRecoverUpdate } from '$workflows/drill-definitions.ts';
import { emergencyStopSignal, type EmergencyStopNotice } from '$workflows/definitions.ts';
import { DecisionRefusedError, proveAct } from './approvals.ts';
import { getDb as db } from './db.ts';
import { temporalClient } from './temporal.ts';

export { DrillNotFoundError } from '$shared/drill-store.ts';
export { DecisionRefusedError };

/** A drill run as the API and pages show it (issue 13's shape). */
export interface DrillRunView {
	id: string;
	drill: string;
	version: number;
	status: DrillRun['status'];
	target: string;
	scratchTarget: string | null;
	scratchDatabase: string | null;
	scratchSource: string | null;
	scratchDropped: boolean;
	recoveryRunId: string | null;
	initiator: string;
	startedAt: string;
	faultAt: string | null;
	acknowledgedAt: string | null;
	acknowledgedBy: string | null;
	recoveredAt: string | null;
	finishedAt: string | null;
	finding: string | null;
	scores: {
		ackMs: number | null;
		rtoMs: number | null;
		rpoMs: number | null;
		rowsLost: Record<string, number>;
		ackMet: boolean | null;
		rtoMet: boolean | null;
		rpoMet: boolean | null;
	} | null;
	timeline: Array<{ at: string; kind: string; details: Record<string, unknown> }>;
	debrief: DrillDebrief | null;
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export function viewDrillRun(row: DrillRun): DrillRunView {
	return {
		id: row.id,
		drill: row.drillName,
		version: row.version,
		status: row.status,
		target: row.target,
		scratchTarget: row.scratchTarget,
		scratchDatabase: row.scratchDatabase,
		scratchSource: row.scratchSource,
		scratchDropped: row.scratchDroppedAt !== null,
		recoveryRunId: row.recoveryRunId,
		initiator: row.initiator,
		startedAt: row.startedAt.toISOString(),
		faultAt: iso(row.faultAt),
		acknowledgedAt: iso(row.acknowledgedAt),
		acknowledgedBy: row.acknowledgedBy,
		recoveredAt: iso(row.recoveredAt),
		finishedAt: iso(row.finishedAt),
		finding: row.finding,
		scores: row.scores ?? null,
		timeline: row.timeline,
		debrief: row.debrief ?? null
	};
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export async function getDrillRun(id: string): Promise<DrillRunView | null> {
	if (!UUID.test(id)) return null;
	const [row] = await db().select().from(drillRuns).where(eq(drillRuns.id, id));
	return row ? viewDrillRun(row) : null;
}

export async function drillRunsOf(name: string, limit = 20): Promise<DrillRunView[]> {
	const rows = await db().select().from(drillRuns).where(eq(drillRuns.drillName, name)).orderBy(desc(drillRuns.startedAt)).limit(limit);
	return rows.map(viewDrillRun);
}

/** A finished drill's result, 1 for passed and 0 otherwise, decays with a half-life of 90 days. */
export const READINESS_HALF_LIFE_DAYS = 90;

export interface ReadinessEntry {
	drill: string;
	title: string;
	target: string;
	fault: string;
	/** 0–100; 0 when the scenario was never drilled. */
	score: number;
	lastRunAt: string | null;
	lastStatus: string | null;
	/** The last runs' RTO, oldest first: the trend. */
	rtoTrend: number[];
	openRuns: number;
}

export function decayedScore(results: Array<{ passed: boolean; at: Date }>, now: Date): number {
	const last = results[0];
	if (!last) return 0;
	const ageDays = Math.max(0, (now.getTime() - last.at.getTime()) / 86_400_000);
	return Math.round((last.passed ? 100 : 0) * Math.pow(0.5, ageDays / READINESS_HALF_LIFE_DAYS));
}

export async function readiness(now = new Date()): Promise<ReadinessEntry[]> {
	const drills = await listDrills(db());
	if (!drills.length) return [];
	const rows = await db()
		.select()
		.from(drillRuns)
		.where(inArray(drillRuns.drillName, drills.map((d) => d.name)))
		.orderBy(desc(drillRuns.startedAt));
	return drills.map((drill) => {
		const mine = rows.filter((r) => r.drillName === drill.name);
		const finished = mine.filter((r) => r.finishedAt && r.status !== 'aborted');
		return {
			drill: drill.name,
			title: drill.title,
			target: drill.target,
			fault: drill.document.spec.scenario.fault,
			score: decayedScore(finished.map((r) => ({ passed: r.status === 'passed', at: r.finishedAt! })), now),
			lastRunAt: iso(mine[0]?.startedAt ?? null),
			lastStatus: mine[0]?.status ?? null,
			rtoTrend: finished
				.slice(0, 10)
				.reverse()
				.map((r) => r.scores?.rtoMs)
				.filter((n): n is number => typeof n === 'number'),
			openRuns: mine.filter((r) => !FINISHED_DRILL_STATUSES.includes(r.status)).length
		};
	});
}

export async function startDrill(name: string, initiator: { id: string; username: string }): Promise<{ id: string }> {
	const client = await temporalClient();
	const { id } = await startDrillRun({ db: db(), workflows: client.workflow, taskQueue: config().TEND_TASK_QUEUE }, { drillName: name, initiator });
	return { id };
}

const REFUSAL_STATUS: Record<string, number> = { NotEligible: 403, ForgedAct: 403, AlreadyDecided: 409, NotWaiting: 409 };

async function sendDrillUpdate<Ret, Arg>(id: string, update: UpdateDefinition<Ret, [Arg]>, arg: Arg, updateId: string): Promise<Ret> {
	const [run] = await db().select({ workflowId: drillRuns.workflowId, status: drillRuns.status }).from(drillRuns).where(eq(drillRuns.id, id));
	if (!run) throw new DecisionRefusedError(404, `no drill run "${id}"`);
	if (FINISHED_DRILL_STATUSES.includes(run.status)) throw new DecisionRefusedError(409, `the drill run has already ended (${run.status})`);
	const client = await temporalClient();
	try {
		return await client.withDeadline(Date.now() + 15_000, () => client.workflow.getHandle(run.workflowId).executeUpdate(update, { args: [arg], updateId }));
	} catch (error) {
		if (error instanceof WorkflowUpdateFailedError && error.cause instanceof ApplicationFailure) throw new DecisionRefusedError(REFUSAL_STATUS[error.cause.type ?? ''] ?? 409, error.cause.message);
		if (error instanceof WorkflowNotFoundError) throw new DecisionRefusedError(409, 'the drill run has already ended');
		if (error instanceof WorkflowUpdateRPCTimeoutOrCancelledError) throw new DecisionRefusedError(503, 'no worker answered in time; try again in a moment');
		if (error instanceof Error && /workflow execution already completed/i.test(error.message)) throw new DecisionRefusedError(409, 'the drill run has already ended');
		throw error;
	}
}

const who = (actor: Actor) => ({ id: actor.id, username: actor.username, roles: [...actor.roles] });

/** "I'm on it": the workflow checks the person may, and the worker checks the proof, before it counts. */
export async function acknowledgeDrill(id: string, actor: Actor): Promise<{ acknowledgedAt: string }> {
	const proof = proveAct(drillAct('drill-ack', id, who(actor)));
	return sendDrillUpdate(id, drillAckUpdate, { actor: who(actor), proof }, `drill-ack-${actor.id}`);
}

export async function startDrillRecovery(id: string, actor: Actor): Promise<{ recoveryRunId: string }> {
	const proof = proveAct(drillAct('drill-recover', id, who(actor)));
	return sendDrillUpdate(id, drillRecoverUpdate, { actor: who(actor), proof }, `drill-recover-${actor.id}`);
}

export async function abortDrill(id: string, actor: Actor, reason: string): Promise<void> {
	const proof = proveAct(drillAct('drill-abort', id, who(actor), { reason }));
	await sendDrillUpdate(id, drillAbortUpdate, { actor: who(actor), reason, proof }, `drill-abort-${actor.id}`);
}

export async function saveDebrief(id: string, by: { username: string }, debrief: Omit<DrillDebrief, 'by' | 'at'>): Promise<DrillRunView | null> {
	const [row] = await db()
		.update(drillRuns)
		.set({ debrief: { ...debrief, by: by.username, at: new Date().toISOString() } })
		.where(and(eq(drillRuns.id, id), inArray(drillRuns.status, [...FINISHED_DRILL_STATUSES])))
		.returning();
	return row ? viewDrillRun(row) : null;
}

/** The emergency stop aborts every drill in progress (their scratch copies are torn down). */
export async function tellOpenDrills(notice: EmergencyStopNotice): Promise<number> {
	const open = await db()
		.select({ workflowId: drillRuns.workflowId })
		.from(drillRuns)
		.where(and(notInArray(drillRuns.status, [...FINISHED_DRILL_STATUSES]), isNull(drillRuns.finishedAt)));
	const client = await temporalClient();
	const told = await Promise.allSettled(open.map((r) => client.workflow.getHandle(r.workflowId).signal(emergencyStopSignal, notice)));
	return told.filter((t) => t.status === 'fulfilled').length;
}

export { getDrill, listDrills, drillVersionList };
