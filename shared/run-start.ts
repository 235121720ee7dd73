import { createHash, randomUUID } from 'node:crypto';
import { WorkflowExecutionAlreadyStartedError, type WorkflowClient } from '@temporalio/client';
import { eq, sql } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { runbookVersions, runs, runSteps, targets } from '../db/schema/index.ts';
import { resolveInputs } from '../runbooks/inputs.ts';
import { finallySteps, planRun, plannedRows, PlanError } from '../runbooks/run-model.ts';
import type { DocumentError } from '../runbooks/parse.ts';
import { runbookSchema } from '../runbooks/schema.ts';
import { appendAudit } from './audit.ts';
import { runWorkflowId, type RunbookRunInput, type TargetContext } from '../workflows/definitions.ts';
import type { runbookRun } from '../workflows/runbook-run.ts';

/**
 * Starting a run, shared by the web app (a person presses Start, or calls the API) and the worker
 * (a schedule fires, a parent run reaches a `uses: runbook` step): the same checks, the same rows,
 * the same audit entry, the same workflow input.
 */

export class RunInputError extends Error {
	override name = 'RunInputError';
	constructor(readonly errors: DocumentError[]) {
		super(errors.map((e) => `${e.path}: ${e.message}`).join('; '));
	}
}

export class RunbookNotFoundError extends Error {
	override name = 'RunbookNotFoundError';
}

/** Temporal could not be reached to start the run; nothing was left behind, and the caller may try again. */
export class TemporalUnavailableError extends Error {
	override name = 'TemporalUnavailableError';
}

/** What starting a run needs: the app database and a Temporal client, built once by the process. */
export interface RunStartDeps {
	db: Db;
	workflows: WorkflowClient;
	taskQueue: string;
	/** The client's deadline helper: a start waits at most a few seconds for Temporal before it gives up. */
	withDeadline?: <R>(deadline: number, fn: () => Promise<R>) => Promise<R>;
}

export interface RunStartRequest {
	runbookName: string;
	/** A published version; the latest when absent. */
	version?: number;
	inputs: Record<string, unknown>;
	initiator: { id: string; username: string };
	/**
	 * A run id chosen by the caller makes the start idempotent: a second call with the same id
	 * finds the run and writes nothing. Without one, a fresh id is drawn.
	 */
	id?: string;
	/** The schedule that fired, or whose "run now" was pressed: recorded on the run and in the audit entry. */
	schedule?: string;
	/** Set for a child run (`uses: runbook`): the parent run and step. */
	parent?: { runId: string; stepId: string };
	/**
	 * Runs the runbook against another registered target than its own: a drill's recovery runs the
	 * real runbook against the drill's scratch copy (activities/drills.ts).
	 */
	target?: string;
}

export interface PreparedRun {
	id: string;
	/** What the run's workflow starts with. */
	input: RunbookRunInput;
	/** False when a run with the requested id already existed: nothing was written. */
	created: boolean;
}

function targetContext(row: Pick<typeof targets.$inferSelect, 'name' | 'title' | 'document'>): TargetContext {
	const spec = (row.document.spec ?? {}) as { urls?: Record<string, string> };
	return { name: row.name, title: row.title, urls: spec.urls ?? {} };
}

async function loadTarget(db: Db, name: string): Promise<TargetContext | null> {
	const [row] = await db.select().from(targets).where(eq(targets.name, name));
	return row ? targetContext(row) : null;
}

/**
 * The version a run starts when nobody names one: the version an author pinned, else the latest.
 * Schedules, child runs and operators get this one (issue 12: an old version may lack a gate
 * added since).
 */
export const currentVersion = (runbook: { latestVersion: number; pinnedVersion: number | null }) => runbook.pinnedVersion ?? runbook.latestVersion;

/**
 * The initiator a schedule's firing runs as (issue 12, hole 5): the schedule by name, answerable to
 * the person who created it. Four eyes compares both the id and the name (workflows/approvals.ts),
 * so that person may not decide the run's approvals, nor may anyone whose name is the schedule's
 * (no username can hold a colon). A person's "run now" is theirs: they are its initiator.
 */
export const scheduleInitiator = (scheduleId: string, creator: { id: string }) => ({ id: creator.id, username: `schedule:${scheduleId}` });

/** The workflow input of a run already written, from its row: a retry must start what the first attempt wrote. */
export async function existingRunInput(db: Db, id: string): Promise<RunbookRunInput | null> {
	const [row] = await db
		.select({ run: runs, document: runbookVersions.document })
		.from(runs)
		.innerJoin(runbookVersions, eq(runbookVersions.id, runs.versionId))
		.where(eq(runs.id, id));
	if (!row) return null;
	const { run } = row;
	return {
		runId: run.id,
		runbook: { name: run.runbookName, version: run.version },
		document: runbookSchema.parse(row.document),
		inputs: run.inputs,
		target: run.target ? await loadTarget(db, run.target) : null,
		initiator: { id: run.initiatorId ?? '', username: run.initiator }
	};
}

/** A published version as a start needs it: immutable, so parsed and planned once per process. */
interface ParsedVersion {
	id: string;
	version: number;
	document: RunbookRunInput['document'];
	rows: ReturnType<typeof initialSteps>;
}

const parsedVersions = new Map<string, ParsedVersion>();
const PARSED_VERSIONS_KEPT = 500;

/**
 * The runbook, the version to run (the one asked for, else the runbook's pinned version, else the latest) and its target, in one query; the
 * version's parsed document and planned rows come from a small cache, since a version never changes.
 */
async function loadVersion(db: Db, runbookName: string, pinned: number | undefined) {
	const { rows } = await db.execute<{ runbook_name: string; version_id: string | null; version: number | null; document: unknown; target_name: string | null; target_title: string | null; target_document: { spec?: unknown } | null }>(sql`
		select r.name as runbook_name, v.id as version_id, v.version, v.document,
			t.name as target_name, t.title as target_title, t.document as target_document
		from runbooks r
		left join runbook_versions v on v.runbook_id = r.id and v.version = coalesce(${pinned ?? null}::int, r.pinned_version, r.latest_version)
		left join targets t on t.name = v.document #>> '{spec,target}'
		where r.name = ${runbookName} and r.latest_version > 0`);
	const [row] = rows;
	if (!row) throw new RunbookNotFoundError(`no runbook named "${runbookName}"`);
	if (!row.version_id || row.version === null) throw new RunbookNotFoundError(`runbook "${runbookName}" has no version ${pinned}`);
	let version = parsedVersions.get(row.version_id);
	if (!version) {
		const document = runbookSchema.parse(row.document);
		version = { id: row.version_id, version: row.version, document, rows: initialSteps(document) };
		if (parsedVersions.size >= PARSED_VERSIONS_KEPT) parsedVersions.delete(parsedVersions.keys().next().value!);
		parsedVersions.set(row.version_id, version);
	}
	const target = row.target_name ? targetContext({ name: row.target_name, title: row.target_title ?? row.target_name, document: row.target_document ?? {} }) : null;
	return { runbook: { name: row.runbook_name }, version, document: version.document, target };
}

/** The rows a run starts with: the plan's nodes (implicit gates included) in order, or the document's steps when it cannot be planned. */
function initialSteps(document: RunbookRunInput['document']) {
	try {
		return plannedRows(planRun(document), finallySteps(document));
	} catch (error) {
		// The workflow fails such a run at once with the plan's error; its rows show the steps as written.
		if (!(error instanceof PlanError)) throw error;
		return [...document.spec.steps, ...finallySteps(document).map((f) => f.step)].map((step, position) => ({ stepId: step.id, position, uses: step.uses, name: step.name ?? null }));
	}
}

/**
 * Writes a run of a published version without starting it: validates the inputs, resolves the
 * target, and writes the run, its pending steps and the audit entry in one short transaction
 * (no network call inside it, no lock beyond the new rows). With a caller-chosen id that exists
 * already, nothing is written and the existing run's input is returned.
 */
export async function prepareRunbookRun(db: Db, request: RunStartRequest): Promise<PreparedRun> {
	if (request.id) {
		const existing = await existingRunInput(db, request.id);
		if (existing) return { id: request.id, input: existing, created: false };
	}
	const loaded = await loadVersion(db, request.runbookName, request.version);
	const { runbook, version, document } = loaded;
	const target = request.target ? await loadTarget(db, request.target) : loaded.target;
	if (request.target && !target) throw new RunInputError([{ path: 'target', message: `target "${request.target}" is not registered` }]);
	const inputs = resolveInputs(document, request.inputs);
	if (!inputs.ok) throw new RunInputError(inputs.errors);
	if (document.spec.target && !target) throw new RunInputError([{ path: 'spec.target', message: `target "${document.spec.target}" is not registered` }]);

	const id = request.id ?? randomUUID();
	const input: RunbookRunInput = {
		runId: id,
		runbook: { name: runbook.name, version: version.version },
		document,
		inputs: inputs.inputs,
		target,
		initiator: request.initiator,
		...(request.parent ? { parent: request.parent } : {})
	};
	const created = await db.transaction(async (tx) => {
		const inserted = await tx
			.insert(runs)
			.values({
				id,
				runbookName: runbook.name,
				versionId: version.id,
				version: version.version,
				target: target?.name ?? null,
				initiatorId: request.initiator.id,
				initiator: request.initiator.username,
				scheduleId: request.schedule ?? null,
				inputs: inputs.inputs,
				workflowId: runWorkflowId(id)
			})
			.onConflictDoNothing({ target: runs.id })
			.returning({ id: runs.id });
		// Another call with the same id got there between the check above and here.
		if (!inserted.length) return false;
		await tx.insert(runSteps).values(version.rows.map((row) => ({ runId: id, ...row })));
		await appendAudit(tx, {
			actor: request.initiator.username,
			action: 'run.start',
			subject: `run:${id}`,
			details: {
				runbook: runbook.name,
				version: version.version,
				inputs: inputs.inputs,
				...(request.schedule ? { schedule: request.schedule } : {}),
				...(request.parent ? { parent: request.parent } : {}),
				...(request.target ? { target: request.target } : {})
			}
		});
		return true;
	});
	return { id, input, created };
}

/** How long a start may wait for Temporal before the caller hears that it is unavailable. */
const START_DEADLINE_MS = 5000;

/**
 * Starts a run: its rows are written and committed first, then its workflow is started — no
 * transaction stays open across the call to Temporal, so starts never queue behind one another.
 * If the start fails, the run's rows are removed again (the audit log keeps both the start and its
 * failure) and TemporalUnavailableError tells the caller to try again. Should the workflow have
 * started after all (a start that timed out on the way back), its first write finds no record and
 * it ends at once, having done nothing. `created` is false when a run with the requested id exists.
 */
export async function startRunbookRun(deps: RunStartDeps, request: RunStartRequest): Promise<{ id: string; created: boolean }> {
	const { id, input, created } = await prepareRunbookRun(deps.db, request);
	try {
		const start = () => deps.workflows.start<typeof runbookRun>('runbookRun', { taskQueue: deps.taskQueue, workflowId: runWorkflowId(input.runId), args: [input] });
		await (deps.withDeadline ? deps.withDeadline(Date.now() + START_DEADLINE_MS, start) : start());
	} catch (error) {
		// A caller-chosen id whose workflow exists: an earlier attempt started it. Its rows are these.
		if (error instanceof WorkflowExecutionAlreadyStartedError) return { id, created };
		if (!created) throw error;
		await withdrawRun(deps.db, id, request.initiator.username, error);
		throw new TemporalUnavailableError(`Temporal could not start the run: ${(error as Error).message}`, { cause: error });
	}
	return { id, created };
}

/** Removes the rows of a run whose workflow did not start; the audit log records why. */
async function withdrawRun(db: Db, id: string, actor: string, error: unknown): Promise<void> {
	await db.transaction(async (tx) => {
		await tx.delete(runs).where(eq(runs.id, id));
		await appendAudit(tx, { actor, action: 'run.start_failed', subject: `run:${id}`, details: { error: (error as Error).message } });
	});
}

/** Any fixed UUID: it only keeps Tend's name-based ids apart from other UUIDv5 spaces. */
const SCHEDULED_RUN_NAMESPACE = '3f0b8f4e-5c1d-4c7a-9a86-2a8b5f0f7d11';

/** RFC 9562 UUIDv5 (SHA-1, name-based): the same name always gives the same id. */
export function uuidV5(name: string, namespace = SCHEDULED_RUN_NAMESPACE): string {
	const hash = createHash('sha1').update(Buffer.from(namespace.replace(/-/g, ''), 'hex')).update(name).digest();
	const bytes = hash.subarray(0, 16);
	bytes[6] = (bytes[6] & 0x0f) | 0x50;
	bytes[8] = (bytes[8] & 0x3f) | 0x80;
	const hex = bytes.toString('hex');
	return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * The run a schedule's workflow starts, named after that workflow: a retried activity finds the
 * run its first attempt started, and the schedules page can link each past firing to its run.
 */
export const scheduledRunId = (scheduleWorkflowId: string) => uuidV5(scheduleWorkflowId);
