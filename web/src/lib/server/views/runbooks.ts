import { and, asc, desc, eq, sql } from 'drizzle-orm';
import { runbooks, runbookVersions, runs } from '../../../../../db/schema/index.ts';
import { STEP_TYPE_BY_USES } from '../../../../../runbooks/catalog.ts';
import { runbookSchema } from '../../../../../runbooks/schema.ts';
import { getDb } from '../db.ts';

/** Every runbook at its latest version, with the outcome of its newest run. */
export async function listRunbooks() {
	const db = getDb();
	// Lateral, so each runbook reads only its own newest run through runs_runbook_idx instead of every run ever made.
	const lastRun = db
		.select({ id: runs.id, status: runs.status, createdAt: runs.createdAt })
		.from(runs)
		.where(eq(runs.runbookName, runbooks.name))
		.orderBy(desc(runs.createdAt), desc(runs.id))
		.limit(1)
		.as('last_run');
	const rows = await db
		.select({
			name: runbooks.name,
			title: runbooks.title,
			tags: runbooks.tags,
			latestVersion: runbooks.latestVersion,
			updatedAt: runbooks.updatedAt,
			description: sql<string | null>`${runbookVersions.document}->'metadata'->>'description'`,
			target: sql<string | null>`${runbookVersions.document}->'spec'->>'target'`,
			stepCount: sql<number | null>`jsonb_array_length(${runbookVersions.document}->'spec'->'steps')`,
			lastRunId: lastRun.id,
			lastRunStatus: lastRun.status,
			lastRunAt: lastRun.createdAt
		})
		.from(runbooks)
		.leftJoin(runbookVersions, and(eq(runbookVersions.runbookId, runbooks.id), eq(runbookVersions.version, runbooks.latestVersion)))
		.leftJoinLateral(lastRun, sql`true`)
		.orderBy(asc(runbooks.title), asc(runbooks.name));
	return rows.map(({ lastRunId, lastRunStatus, lastRunAt, ...row }) => ({
		...row,
		lastRun: lastRunId && lastRunStatus && lastRunAt ? { id: lastRunId, status: lastRunStatus, createdAt: lastRunAt } : null
	}));
}

/** Names and titles only, for filters and for labelling runs. */
export async function listRunbookTitles(): Promise<{ name: string; title: string }[]> {
	return getDb().select({ name: runbooks.name, title: runbooks.title }).from(runbooks).orderBy(asc(runbooks.title), asc(runbooks.name));
}

/**
 * The runbooks whose latest version acts on `target`. `hasInputs` says whether a run needs the
 * runbook's own page to be started, where its inputs can be filled in.
 */
export async function listRunbooksForTarget(target: string) {
	const rows = await getDb()
		.select({ name: runbooks.name, title: runbooks.title, latestVersion: runbooks.latestVersion, document: runbookVersions.document })
		.from(runbooks)
		.innerJoin(runbookVersions, and(eq(runbookVersions.runbookId, runbooks.id), eq(runbookVersions.version, runbooks.latestVersion)))
		.where(sql`${runbookVersions.document}->'spec'->>'target' = ${target}`)
		.orderBy(asc(runbooks.title), asc(runbooks.name));
	return rows.flatMap(({ document, ...row }) => {
		const parsed = runbookSchema.safeParse(document);
		if (!parsed.success) return [];
		return [{ ...row, stepCount: parsed.data.spec.steps.length, hasInputs: Object.keys(parsed.data.spec.inputs).length > 0 }];
	});
}

/** What a run page needs of the version it pinned: the title and each step's name, label and risk. */
export async function getRunbookOutline(name: string, version: number) {
	const [row] = await getDb()
		.select({ title: runbooks.title, document: runbookVersions.document })
		.from(runbooks)
		.innerJoin(runbookVersions, and(eq(runbookVersions.runbookId, runbooks.id), eq(runbookVersions.version, version)))
		.where(eq(runbooks.name, name));
	if (!row) return null;
	const parsed = runbookSchema.safeParse(row.document);
	const steps = parsed.success ? parsed.data.spec.steps : [];
	return {
		title: row.title,
		description: parsed.success ? (parsed.data.metadata.description ?? null) : null,
		steps: Object.fromEntries(
			steps.map((step) => {
				const type = STEP_TYPE_BY_USES.get(step.uses);
				return [step.id, { name: step.name ?? null, label: type?.label ?? null, risk: step.risk ?? type?.defaultRisk ?? null }];
			})
		) as Record<string, { name: string | null; label: string | null; risk: string | null }>
	};
}

/** "database: main, format: custom" — a one-line view of a step's `with`. */
function summarizeWith(params: Record<string, unknown>): { key: string; value: string }[] {
	return Object.entries(params).map(([key, value]) => {
		const text = typeof value === 'string' ? value : JSON.stringify(value);
		return { key, value: text.length > 120 ? `${text.slice(0, 117)}…` : text };
	});
}

export interface RunbookInputView {
	name: string;
	type: 'string' | 'number' | 'boolean';
	required: boolean;
	default: string | null;
	description: string | null;
}

/** A runbook at one published version (the latest unless `version` is given), ready to render. */
export async function getRunbookVersion(name: string, version?: number) {
	const db = getDb();
	const [runbook] = await db.select().from(runbooks).where(eq(runbooks.name, name));
	if (!runbook) return null;
	const versions = await db
		.select({ version: runbookVersions.version, publishedAt: runbookVersions.publishedAt, document: runbookVersions.document, source: runbookVersions.source })
		.from(runbookVersions)
		.where(eq(runbookVersions.runbookId, runbook.id))
		.orderBy(desc(runbookVersions.version));
	const current = versions.find((v) => v.version === (version ?? runbook.latestVersion)) ?? (version === undefined ? versions[0] : undefined);
	if (!current) return null;

	const parsed = runbookSchema.safeParse(current.document);
	const doc = parsed.success ? parsed.data : null;
	return {
		name: runbook.name,
		title: runbook.title,
		tags: runbook.tags,
		latestVersion: runbook.latestVersion,
		/** The version an author pinned for runs, if any; `currentVersion` is what a run starts when none is named. */
		pinnedVersion: runbook.pinnedVersion,
		currentVersion: runbook.pinnedVersion ?? runbook.latestVersion,
		version: current.version,
		publishedAt: current.publishedAt,
		source: current.source,
		valid: parsed.success,
		description: doc?.metadata.description ?? null,
		target: doc?.spec.target ?? null,
		onFailure: doc?.spec.onFailure ?? null,
		steps: (doc?.spec.steps ?? []).map((step) => ({
			id: step.id,
			name: step.name ?? null,
			uses: step.uses,
			label: STEP_TYPE_BY_USES.get(step.uses)?.label ?? null,
			risk: step.risk ?? STEP_TYPE_BY_USES.get(step.uses)?.defaultRisk ?? null,
			needs: step.needs ?? [],
			condition: step.if ?? null,
			with: summarizeWith(step.with),
			rollback: step.rollback ? step.rollback.uses : null
		})),
		inputs: Object.entries(doc?.spec.inputs ?? {}).map(
			([inputName, input]): RunbookInputView => ({
				name: inputName,
				type: input.type,
				required: input.required,
				default: input.default === undefined ? null : String(input.default),
				description: input.description ?? null
			})
		),
		versions: versions.map((v) => ({ version: v.version, publishedAt: v.publishedAt }))
	};
}

export type RunbookVersionView = NonNullable<Awaited<ReturnType<typeof getRunbookVersion>>>;
