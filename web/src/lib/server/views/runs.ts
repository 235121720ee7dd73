import { and, asc, desc, eq, sql, type SQL } from 'drizzle-orm';
import { FINISHED_STEP_STATUSES, runEvents, runs, runSteps } from '../../../../../db/schema/index.ts';
import type { RunEventView, RunView, StepStatus } from '../../run-types.ts';
import { runStateQuery, type RunState } from '../../../../../workflows/definitions.ts';
import { getDb } from '../db.ts';
import { temporalClient } from '../temporal.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isRunId = (id: string) => UUID.test(id);

const iso = (date: Date | null) => (date ? date.toISOString() : null);

export interface RunListItem {
	id: string;
	runbook: string;
	version: number;
	status: RunView['status'];
	initiator: string;
	target: string | null;
	createdAt: Date;
	startedAt: Date | null;
	finishedAt: Date | null;
}

const listColumns = {
	id: runs.id,
	runbook: runs.runbookName,
	version: runs.version,
	status: runs.status,
	initiator: runs.initiator,
	target: runs.target,
	createdAt: runs.createdAt,
	startedAt: runs.startedAt,
	finishedAt: runs.finishedAt
};

export interface RunFilter {
	runbook?: string;
	status?: RunView['status'];
	/** Keyset cursor: only runs older than this run, in (created_at, id) order. */
	before?: string;
}

/** The newest runs first, optionally of one runbook or in one status. */
export async function listRuns(options: RunFilter & { limit: number }): Promise<RunListItem[]> {
	const conditions: SQL[] = [];
	if (options.runbook) conditions.push(eq(runs.runbookName, options.runbook));
	if (options.status) conditions.push(eq(runs.status, options.status));
	if (options.before && isRunId(options.before)) {
		// The cursor's position is read back from the table: created_at has microseconds that a Date in a URL would lose.
		conditions.push(sql`(${runs.createdAt}, ${runs.id}) < (select c.created_at, c.id from runs c where c.id = ${options.before})`);
	}
	return getDb()
		.select(listColumns)
		.from(runs)
		.where(and(...conditions))
		.orderBy(desc(runs.createdAt), desc(runs.id))
		.limit(options.limit);
}

/** One page of runs, and the cursor of the next (older) page when there is one. */
export async function listRunsPage(filter: RunFilter, pageSize: number): Promise<{ runs: RunListItem[]; older: string | null }> {
	const rows = await listRuns({ ...filter, limit: pageSize + 1 });
	const page = rows.slice(0, pageSize);
	return { runs: page, older: rows.length > pageSize ? page[page.length - 1].id : null };
}

/**
 * One run with its steps in the shape of `GET /api/v1/runs/{id}` (plus target, error and
 * createdAt), read from the ledger tables so the page renders without JavaScript or Temporal.
 */
export async function getRunView(id: string): Promise<RunView | null> {
	if (!isRunId(id)) return null;
	const db = getDb();
	const [run] = await db.select().from(runs).where(eq(runs.id, id));
	if (!run) return null;
	const steps = await db.select().from(runSteps).where(eq(runSteps.runId, id)).orderBy(asc(runSteps.position));
	const live = steps.some((s) => s.status === 'waiting' || s.status === 'running') || ['pending', 'queued', 'running'].includes(run.status) ? await liveState(run.workflowId) : undefined;
	const liveStep = new Map(live?.steps.map((s) => [s.id, s]));
	return {
		id: run.id,
		runbook: run.runbookName,
		version: run.version,
		// The workflow marks itself running (or queued) a moment before the ledger row says so.
		status: live && ['pending', 'queued'].includes(run.status) && ['running', 'queued'].includes(live.status) ? live.status : run.status,
		initiator: run.initiator,
		inputs: run.inputs,
		target: run.target,
		error: run.error,
		createdAt: run.createdAt.toISOString(),
		startedAt: iso(run.startedAt),
		finishedAt: iso(run.finishedAt),
		resumes: run.resumes,
		...(live?.queue ? { queue: live.queue } : {}),
		...(live?.emergencyStop ? { emergencyStop: live.emergencyStop } : {}),
		steps: steps.map((step) => ({
			id: step.stepId,
			uses: step.uses,
			status: freshestStatus(step.status, liveStep.get(step.stepId)?.status),
			attempts: step.attempts,
			startedAt: iso(step.startedAt),
			finishedAt: iso(step.finishedAt),
			outputs: step.outputs,
			error: step.error,
			...liveDetails(liveStep.get(step.stepId))
		}))
	};
}

const LIVE_QUERY_DEADLINE_MS = 2000;

/**
 * The ledger row and the workflow's state are read one after the other, so either may be a moment
 * ahead: a finished or retrying row is ahead of the workflow (the activity writes those itself);
 * otherwise the workflow is.
 */
function freshestStatus(row: StepStatus, live: StepStatus | undefined): StepStatus {
	if (!live || row === 'retrying' || (FINISHED_STEP_STATUSES as readonly StepStatus[]).includes(row)) return row;
	return live;
}

/** The workflow's own view while the run is open; a run without a worker to answer renders from the ledger alone. */
async function liveState(workflowId: string): Promise<RunState | undefined> {
	try {
		const client = await temporalClient();
		return await client.withDeadline(Date.now() + LIVE_QUERY_DEADLINE_MS, () => client.workflow.getHandle(workflowId).query(runStateQuery));
	} catch {
		return undefined;
	}
}

function liveDetails(step: RunState['steps'][number] | undefined) {
	if (!step) return {};
	return {
		...(step.hold ? { hold: step.hold } : {}),
		...(step.approval && step.status === 'waiting' ? { approval: step.approval } : {}),
		...(step.checklist ? { checklist: step.checklist } : {}),
		...(step.items ? { items: step.items } : {})
	};
}

export async function listRunEvents(runId: string): Promise<RunEventView[]> {
	if (!isRunId(runId)) return [];
	const rows = await getDb()
		.select({ id: runEvents.id, stepId: runEvents.stepId, status: runEvents.status, message: runEvents.message, at: runEvents.at })
		.from(runEvents)
		.where(eq(runEvents.runId, runId))
		.orderBy(asc(runEvents.id));
	return rows.map((row) => ({ ...row, at: row.at.toISOString() }));
}
