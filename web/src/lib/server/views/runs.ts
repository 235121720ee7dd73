import { and, asc, desc, eq, gte, inArray, isNull, lt, sql, type SQL } from 'drizzle-orm';
import { emergencyStops, runbookVersions, runEvents, runs, runSteps } from '$db/schema/index.ts';
import { isRunFinished, retryPolicy, RUN_STATUS_FILTERS, stepNeeds, UNSUCCESSFUL, UNSUCCESSFUL_RUN_STATUSES, type RunStatusFilter } from '$runbooks/run-model.ts';
import { runbookSchema } from '$runbooks/schema.ts';
import { isTimeZone } from '$runbooks/window-schema.ts';
import type { RunEventView, RunView, StepFacts } from '../../run-types.ts';
import { getDb } from '../db.ts';
import { eventView } from './run-events.ts';

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
	/** One status, or `unsuccessful`: failed, rolled back, rollback incomplete and cancelled together. */
	status?: RunStatusFilter;
	initiator?: string;
	target?: string;
	/** Calendar days (YYYY-MM-DD), both inclusive, in `timeZone` (UTC unless given). */
	from?: string;
	to?: string;
	timeZone?: string;
	/** Keyset cursor: only runs older than this run, in (created_at, id) order. */
	before?: string;
	/** Keyset cursor: only runs newer than this run; the way back from `before`. */
	after?: string;
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;
type FilterField = 'runbook' | 'status' | 'initiator' | 'target' | 'from' | 'to' | 'tz' | 'before' | 'after';

/**
 * The run list's filter from a query string, shared by the page and `GET /api/v1/runs`: the
 * filter and, for each value that cannot be used, its field and why (the page drops those, the
 * API answers 400).
 */
export function parseRunFilter(params: URLSearchParams): { filter: RunFilter; errors: Array<{ path: string; message: string }> } {
	const filter: RunFilter = {};
	const errors: Array<{ path: string; message: string }> = [];
	const value = (name: FilterField) => params.get(name)?.trim() || undefined;
	filter.runbook = value('runbook');
	filter.initiator = value('initiator');
	filter.target = value('target');
	const status = value('status');
	if (status && (RUN_STATUS_FILTERS as readonly string[]).includes(status)) filter.status = status as RunStatusFilter;
	else if (status) errors.push({ path: 'status', message: `must be one of ${RUN_STATUS_FILTERS.join(', ')}` });
	for (const day of ['from', 'to'] as const) {
		const text = value(day);
		if (text && DAY.test(text) && !Number.isNaN(Date.parse(`${text}T00:00:00Z`))) filter[day] = text;
		else if (text) errors.push({ path: day, message: 'must be a date written YYYY-MM-DD' });
	}
	const tz = value('tz');
	if (tz && isTimeZone(tz)) filter.timeZone = tz;
	else if (tz) errors.push({ path: 'tz', message: 'must be an IANA time zone such as Europe/Berlin' });
	for (const cursor of ['before', 'after'] as const) {
		const id = value(cursor);
		if (id && isRunId(id)) filter[cursor] = id;
		else if (id) errors.push({ path: cursor, message: 'must be a run id' });
	}
	if (filter.before && filter.after) errors.push({ path: 'after', message: 'give before or after, not both' });
	return { filter, errors };
}

/** The filter's values only, without cursors: what "clear filters" clears and a pager link keeps. */
export function isFiltered(filter: RunFilter): boolean {
	return Boolean(filter.runbook || filter.status || filter.initiator || filter.target || filter.from || filter.to);
}

/** Milliseconds east of UTC that `timeZone` is at `at`, from Intl's wall-clock parts. */
function zoneOffset(at: number, timeZone: string): number {
	const parts = Object.fromEntries(
		new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' })
			.formatToParts(at)
			.map((p) => [p.type, p.value])
	);
	const wall = Date.UTC(Number(parts.year), Number(parts.month) - 1, Number(parts.day), Number(parts.hour), Number(parts.minute), Number(parts.second));
	return wall - Math.floor(at / 1000) * 1000;
}

/** The instant a calendar day starts in a time zone (a DST change at midnight moves it, hence the second look). */
export function startOfDay(day: string, timeZone = 'UTC', addDays = 0): Date {
	const [y, m, d] = day.split('-').map(Number);
	const wall = Date.UTC(y, m - 1, d + addDays);
	let at = wall - zoneOffset(wall, timeZone);
	at = wall - zoneOffset(at, timeZone);
	return new Date(at);
}

function conditionsOf(filter: RunFilter): SQL[] {
	const conditions: SQL[] = [];
	if (filter.runbook) conditions.push(eq(runs.runbookName, filter.runbook));
	if (filter.status === UNSUCCESSFUL) conditions.push(inArray(runs.status, [...UNSUCCESSFUL_RUN_STATUSES]));
	else if (filter.status) conditions.push(eq(runs.status, filter.status));
	if (filter.initiator) conditions.push(eq(runs.initiator, filter.initiator));
	if (filter.target) conditions.push(eq(runs.target, filter.target));
	if (filter.from) conditions.push(gte(runs.createdAt, startOfDay(filter.from, filter.timeZone)));
	if (filter.to) conditions.push(lt(runs.createdAt, startOfDay(filter.to, filter.timeZone, 1)));
	return conditions;
}

// The cursor's position is read back from the table: created_at has microseconds that a Date in a URL would lose.
const olderThan = (id: string) => sql`(${runs.createdAt}, ${runs.id}) < (select c.created_at, c.id from runs c where c.id = ${id})`;
const newerThan = (id: string) => sql`(${runs.createdAt}, ${runs.id}) > (select c.created_at, c.id from runs c where c.id = ${id})`;

/** The newest runs first under a filter; with `after`, the runs just newer than that one (still newest first). */
export async function listRuns(options: RunFilter & { limit: number }): Promise<RunListItem[]> {
	const conditions = conditionsOf(options);
	if (options.after) {
		const rows = await getDb()
			.select(listColumns)
			.from(runs)
			.where(and(...conditions, newerThan(options.after)))
			.orderBy(asc(runs.createdAt), asc(runs.id))
			.limit(options.limit);
		return rows.reverse();
	}
	if (options.before) conditions.push(olderThan(options.before));
	return getDb()
		.select(listColumns)
		.from(runs)
		.where(and(...conditions))
		.orderBy(desc(runs.createdAt), desc(runs.id))
		.limit(options.limit);
}

/** Whether any run under the filter lies beyond `id` in one direction: one index probe. */
async function anyBeyond(filter: RunFilter, id: string, direction: 'older' | 'newer'): Promise<boolean> {
	const [row] = await getDb()
		.select({ id: runs.id })
		.from(runs)
		.where(and(...conditionsOf(filter), direction === 'older' ? olderThan(id) : newerThan(id)))
		.limit(1);
	return Boolean(row);
}

export interface RunsPage {
	runs: RunListItem[];
	/** Cursors for the neighbouring pages: `?before=<older>` and `?after=<newer>`, null at either end. */
	older: string | null;
	newer: string | null;
}

/**
 * One page of runs by keyset (never OFFSET, never a count): stable while new runs arrive, since a
 * page is defined by the run at its edge. Going back (`after`) near the top lands on the newest
 * page rather than on a short one.
 */
export async function listRunsPage(filter: RunFilter, pageSize: number): Promise<RunsPage> {
	if (filter.after) {
		const rows = await listRuns({ ...filter, before: undefined, limit: pageSize + 1 });
		if (rows.length > pageSize) {
			const page = rows.slice(1);
			return { runs: page, newer: page[0].id, older: (await anyBeyond(filter, page[page.length - 1].id, 'older')) ? page[page.length - 1].id : null };
		}
		return listRunsPage({ ...filter, after: undefined }, pageSize);
	}
	const rows = await listRuns({ ...filter, limit: pageSize + 1 });
	const page = rows.slice(0, pageSize);
	const older = rows.length > pageSize ? page[page.length - 1].id : null;
	const newer = filter.before && page.length && (await anyBeyond(filter, page[0].id, 'newer')) ? page[0].id : null;
	return { runs: page, older, newer };
}

/**
 * The distinct values of an indexed column (initiator, target) by a loose index scan: one index
 * probe per value, so it stays cheap however many runs there are.
 */
async function distinctValues(column: 'initiator' | 'target', limit: number): Promise<string[]> {
	const name = sql.identifier(column);
	const result = await getDb().execute<{ value: string }>(sql`
		with recursive v(value) as (
			(select ${name} from runs where ${name} is not null order by ${name} limit 1)
			union all
			select (select r.${name} from runs r where r.${name} > v.value order by r.${name} limit 1) from v where v.value is not null
		)
		select value from v where value is not null limit ${limit}`);
	return result.rows.map((row) => row.value);
}

/** Who has started runs and which targets runs were on: the list's filter choices. */
export async function runFilterChoices(): Promise<{ initiators: string[]; targets: string[] }> {
	const [initiators, targets] = await Promise.all([distinctValues('initiator', 500), distinctValues('target', 500)]);
	return { initiators, targets };
}

/**
 * One run with its steps in the shape of `GET /api/v1/runs/{id}` (plus target, error and
 * createdAt), read from the projection the run's workflow writes (DESIGN §8): rows only, never a
 * workflow query, so every reader — page, API, live stream, inbox — sees the same state.
 */
export async function getRunView(id: string): Promise<RunView | null> {
	if (!isRunId(id)) return null;
	const db = getDb();
	const [[run], steps, [stop]] = await Promise.all([
		db.select().from(runs).where(eq(runs.id, id)),
		db.select().from(runSteps).where(eq(runSteps.runId, id)).orderBy(asc(runSteps.position)),
		db.select({ reason: emergencyStops.reason, by: emergencyStops.startedByName }).from(emergencyStops).where(isNull(emergencyStops.liftedAt)).limit(1)
	]);
	if (!run) return null;
	const open = !isRunFinished(run.status);
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
		resumes: run.resumes,
		...(run.queue && open ? { queue: run.queue } : {}),
		...(stop && open ? { emergencyStop: stop } : {}),
		steps: steps.map((step) => ({
			id: step.stepId,
			uses: step.uses,
			...(step.name ? { name: step.name } : {}),
			status: step.status,
			attempts: step.attempts,
			startedAt: iso(step.startedAt),
			finishedAt: iso(step.finishedAt),
			outputs: step.outputs,
			error: step.error,
			...(step.hold && step.status === 'waiting' ? { hold: step.hold } : {}),
			...(step.approval && step.status === 'waiting' ? { approval: step.approval } : {}),
			...(step.checklist ? { checklist: step.checklist } : {}),
			...(step.items ? { items: step.items } : {}),
			...(step.retry && (step.status === 'retrying' || step.status === 'running') ? { retry: step.retry } : {})
		}))
	};
}

export async function listRunEvents(runId: string): Promise<RunEventView[]> {
	if (!isRunId(runId)) return [];
	const rows = await getDb()
		.select({ id: runEvents.id, stepId: runEvents.stepId, kind: runEvents.kind, details: runEvents.details, status: runEvents.status, message: runEvents.message, at: runEvents.at })
		.from(runEvents)
		.where(eq(runEvents.runId, runId))
		.orderBy(asc(runEvents.id));
	return rows.map(eventView);
}

/**
 * What the run's pinned version says about each step that the ledger does not keep: what it
 * waits for (the graph's edges), how many attempts it may take and when the next begins, and what
 * undoes it. Gates and the undo checklist are not in the document; the page places those itself.
 */
export async function getRunStepFacts(runId: string): Promise<Record<string, StepFacts>> {
	if (!isRunId(runId)) return {};
	const [row] = await getDb()
		.select({ document: runbookVersions.document })
		.from(runs)
		.innerJoin(runbookVersions, eq(runbookVersions.id, runs.versionId))
		.where(eq(runs.id, runId));
	const parsed = runbookSchema.safeParse(row?.document);
	if (!parsed.success) return {};
	const steps = parsed.data.spec.steps;
	const needs = stepNeeds(steps);
	return Object.fromEntries(
		steps.map((step): [string, StepFacts] => {
			const retry = retryPolicy(step);
			return [
				step.id,
				{
					needs: needs.get(step.id) ?? [],
					maxAttempts: retry.maxAttempts,
					retryIntervalMs: retry.initialIntervalMs,
					backoff: retry.backoff,
					...(retry.maxIntervalMs !== undefined ? { maxRetryIntervalMs: retry.maxIntervalMs } : {}),
					...(step.rollback ? { rollback: step.rollback.uses } : {})
				}
			];
		})
	);
}
