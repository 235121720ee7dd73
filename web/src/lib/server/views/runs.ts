import { and, asc, desc, eq, sql, type SQL } from 'drizzle-orm';
import { runEvents, runs, runSteps } from '../../../../../db/schema/index.ts';
import type { RunEventView, RunView } from '../../run-types.ts';
import { getDb } from '../db.ts';

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
	return {
		id: run.id,
		runbook: run.runbookName,
		version: run.version,
		status: run.status,
		initiator: run.initiator,
		inputs: run.inputs,
		target: run.target,
		error: run.error,
		createdAt: run.createdAt.toISOString(),
		startedAt: iso(run.startedAt),
		finishedAt: iso(run.finishedAt),
		steps: steps.map((step) => ({
			id: step.stepId,
			uses: step.uses,
			status: step.status,
			attempts: step.attempts,
			startedAt: iso(step.startedAt),
			finishedAt: iso(step.finishedAt),
			outputs: step.outputs,
			error: step.error
		}))
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
