import { randomBytes } from 'node:crypto';
import { ScheduleNotFoundError, type ScheduleDescription } from '@temporalio/client';
import { and, desc, eq, sql } from 'drizzle-orm';
import { runbooks, runbookVersions, runs } from '../../../../db/schema/index.ts';
import { resolveInputs } from '../../../../runbooks/inputs.ts';
import { runbookSchema } from '../../../../runbooks/schema.ts';
import { appendAudit } from '../../../../shared/audit.ts';
import { config } from '../../../../shared/config.ts';
import { scheduledRunId, startRunbookRun } from '../../../../shared/run-start.ts';
import type { ScheduledRunInput } from '../../../../workflows/scheduled-run.ts';
import type { FieldError } from './api.ts';
import { getDb as db } from './db.ts';
import { SCHEDULE_ID_PREFIX, SCHEDULED_WORKFLOW_TYPE, scheduleOptions, timingOf, type NewSchedule, type ScheduleMemo, type ScheduleTiming } from '../../../../shared/schedule-spec.ts';
import { temporalClient } from './temporal.ts';

/**
 * Recurring runs on Temporal Schedules. Temporal keeps each schedule (its timing, pause state,
 * next and recent firings); what Tend needs besides rides in the schedule's memo, so there is
 * no table of schedules to keep in step with the server.
 */
const ID_PREFIX = SCHEDULE_ID_PREFIX;
const WORKFLOW_TYPE = SCHEDULED_WORKFLOW_TYPE;
const NEXT_RUNS = 5;
const RECENT_RUNS = 10;
export interface ScheduleView {
	id: string;
	runbook: string;
	spec: ScheduleTiming;
	inputs: Record<string, unknown>;
	paused: boolean;
	note: string | null;
	/** ISO times of the next firings (Temporal computes them; empty while paused). */
	nextRuns: string[];
	/** The latest firings, newest first, each with the run it started once that run exists. */
	recentRuns: Array<{ runId?: string; at: string }>;
	createdBy: string;
}

export class ScheduleInputError extends Error {
	override name = 'ScheduleInputError';
	constructor(readonly errors: FieldError[]) {
		super(errors.map((e) => `${e.path}: ${e.message}`).join('; '));
	}
}

export class ScheduleMissingError extends Error {
	override name = 'ScheduleMissingError';
	constructor(id: string) {
		super(`no schedule "${id}"`);
	}
}

const isTendSchedule = (id: string) => id.startsWith(ID_PREFIX);

/** Checks the runbook and the inputs against its current version (pinned, else latest), as a run started now would. */
async function checkRunbookInputs(body: NewSchedule): Promise<Record<string, unknown>> {
	const [row] = await db()
		.select({ document: runbookVersions.document })
		.from(runbooks)
		.innerJoin(runbookVersions, and(eq(runbookVersions.runbookId, runbooks.id), eq(runbookVersions.version, sql`coalesce(${runbooks.pinnedVersion}, ${runbooks.latestVersion})`)))
		.where(eq(runbooks.name, body.runbook));
	if (!row) throw new ScheduleInputError([{ path: 'runbook', message: `no published runbook named "${body.runbook}"` }]);
	const resolved = resolveInputs(runbookSchema.parse(row.document), body.inputs);
	if (!resolved.ok) throw new ScheduleInputError(resolved.errors.map(({ path, message }) => ({ path, message })));
	// The inputs as given, not as resolved: defaults apply at each firing, from the version current then.
	return body.inputs;
}

export async function createSchedule(body: NewSchedule, actor: { id: string; username: string }): Promise<ScheduleView> {
	const inputs = await checkRunbookInputs(body);
	const timing = timingOf(body);
	const id = `${ID_PREFIX}${body.runbook}-${randomBytes(3).toString('hex')}`;
	const memo: ScheduleMemo = { runbook: body.runbook, inputs, timing, createdBy: { id: actor.id, username: actor.username } };
	const client = await temporalClient();
	await db().transaction(async (tx) => {
		await appendAudit(tx, { actor: actor.username, action: 'schedule.create', subject: `schedule:${id}`, details: { runbook: body.runbook, spec: timing, inputs, paused: body.paused } });
		try {
			await client.schedule.create(
				scheduleOptions({ id, memo, taskQueue: config().TEND_TASK_QUEUE, paused: body.paused, note: body.note ?? (body.paused ? `created paused by ${actor.username}` : `created by ${actor.username}`) })
			);
		} catch (error) {
			// The server's own check of the spec (a cron field out of range, an unknown zone) names what is wrong.
			if (error instanceof TypeError) throw new ScheduleInputError([{ path: 'cron' in timing ? 'cron' : 'every', message: error.message }]);
			throw error;
		}
	});
	return getSchedule(id);
}

async function describe(id: string): Promise<ScheduleDescription> {
	if (!isTendSchedule(id)) throw new ScheduleMissingError(id);
	const client = await temporalClient();
	try {
		const description = await client.schedule.getHandle(id).describe();
		if (description.action.workflowType !== WORKFLOW_TYPE) throw new ScheduleMissingError(id);
		return description;
	} catch (error) {
		if (error instanceof ScheduleNotFoundError) throw new ScheduleMissingError(id);
		throw error;
	}
}

async function toView(description: ScheduleDescription): Promise<ScheduleView> {
	const memo = description.memo?.tend as ScheduleMemo | undefined;
	const args = description.action.args?.[0] as ScheduledRunInput | undefined;
	const every = description.spec.intervals?.[0]?.every;
	const timezone = description.spec.timezone ?? 'UTC';
	const firings = [...description.info.recentActions].reverse().map((action) => ({ runId: scheduledRunId(action.action.workflow.workflowId), at: action.takenAt.toISOString() }));
	// Runs recorded against the schedule: its firings once started, and people's "run now".
	const recorded = await db()
		.select({ id: runs.id, at: runs.createdAt })
		.from(runs)
		.where(eq(runs.scheduleId, description.scheduleId))
		.orderBy(desc(runs.createdAt))
		.limit(RECENT_RUNS);
	const started = new Set(recorded.map((r) => r.id));
	const recentRuns = [
		...recorded.map((r) => ({ runId: r.id, at: r.at.toISOString() })),
		// A firing whose run has not started yet (or failed to) shows by its time alone.
		...firings.filter((f) => !started.has(f.runId)).map(({ at }) => ({ at }))
	]
		.sort((a, b) => b.at.localeCompare(a.at))
		.slice(0, RECENT_RUNS);
	return {
		id: description.scheduleId,
		runbook: memo?.runbook ?? args?.runbook ?? '',
		spec: memo?.timing ?? (every ? { every: `${Math.round(every / 1000)}s`, timezone } : { cron: '', timezone }),
		inputs: memo?.inputs ?? args?.inputs ?? {},
		paused: description.state.paused,
		note: description.state.note || null,
		// Temporal lists the times a paused schedule would fire; nothing fires while it is paused.
		nextRuns: description.state.paused ? [] : description.info.nextActionTimes.slice(0, NEXT_RUNS).map((at) => at.toISOString()),
		recentRuns,
		createdBy: memo?.createdBy.username ?? args?.initiator.username ?? ''
	};
}

export async function getSchedule(id: string): Promise<ScheduleView> {
	return toView(await describe(id));
}

/**
 * Every Tend schedule, by runbook. The ids come from Temporal's list (eventually consistent);
 * each is then described, so pause state and next firings are current. `include` adds a
 * schedule the list may not show yet, such as one created a moment ago.
 */
export async function listSchedules(include: string[] = []): Promise<ScheduleView[]> {
	const client = await temporalClient();
	const ids = new Set(include.filter(isTendSchedule));
	for await (const summary of client.schedule.list()) {
		if (isTendSchedule(summary.scheduleId) && summary.action?.workflowType === WORKFLOW_TYPE) ids.add(summary.scheduleId);
	}
	const views = await Promise.all(
		[...ids].map((id) =>
			getSchedule(id).catch((error: unknown) => {
				// Deleted between the list and the describe.
				if (error instanceof ScheduleMissingError) return null;
				throw error;
			})
		)
	);
	return views.filter((view): view is ScheduleView => view !== null).sort((a, b) => a.runbook.localeCompare(b.runbook) || a.id.localeCompare(b.id));
}

/** Pauses or resumes; the note says why (Temporal shows it too). Audited. */
export async function setSchedulePaused(id: string, paused: boolean, note: string | undefined, actor: { username: string }): Promise<ScheduleView> {
	await describe(id);
	const client = await temporalClient();
	const handle = client.schedule.getHandle(id);
	const text = note || `${paused ? 'paused' : 'resumed'} by ${actor.username}`;
	await db().transaction(async (tx) => {
		await appendAudit(tx, { actor: actor.username, action: paused ? 'schedule.pause' : 'schedule.resume', subject: `schedule:${id}`, details: note ? { note } : {} });
		await (paused ? handle.pause(text) : handle.unpause(text));
	});
	return getSchedule(id);
}

/**
 * "Run now": starts the schedule's runbook with its inputs at once, paused or not, as the person
 * who pressed it (issue 12, hole 5): they are the run's initiator, so four eyes bars them from its
 * approvals. Temporal's own trigger would start it as the schedule's creator instead. The run is
 * recorded against the schedule, so it shows among the schedule's recent runs.
 */
export async function triggerSchedule(id: string, actor: { id: string; username: string }): Promise<{ runId: string }> {
	const description = await describe(id);
	const memo = description.memo?.tend as ScheduleMemo | undefined;
	const args = description.action.args?.[0] as ScheduledRunInput | undefined;
	const runbook = memo?.runbook ?? args?.runbook;
	if (!runbook) throw new ScheduleMissingError(id);
	await appendAudit(db(), { actor: actor.username, action: 'schedule.trigger', subject: `schedule:${id}` });
	const client = await temporalClient();
	const started = await startRunbookRun(
		{ db: db(), workflows: client.workflow, taskQueue: config().TEND_TASK_QUEUE, withDeadline: (deadline, fn) => client.withDeadline(deadline, fn) },
		{ runbookName: runbook, inputs: memo?.inputs ?? args?.inputs ?? {}, initiator: { id: actor.id, username: actor.username }, schedule: id }
	);
	return { runId: started.id };
}

/** Deletes the schedule; runs it started are left alone. */
export async function deleteSchedule(id: string, actor: { username: string }): Promise<void> {
	const description = await describe(id);
	const client = await temporalClient();
	await db().transaction(async (tx) => {
		const memo = description.memo?.tend as ScheduleMemo | undefined;
		await appendAudit(tx, { actor: actor.username, action: 'schedule.delete', subject: `schedule:${id}`, details: memo ? { runbook: memo.runbook, spec: memo.timing } : {} });
		await client.schedule.getHandle(id).delete();
	});
}
