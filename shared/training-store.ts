import { and, asc, desc, eq, inArray, isNull, sql } from 'drizzle-orm';
import { createHash } from 'node:crypto';
import type { Db } from '../db/client.ts';
import { trainingAssignments, trainingModules, trainingModuleVersions, userRoles, users, type TrainingStatus } from '../db/schema/index.ts';
import { addIsoDuration, isoDurationMs } from '../runbooks/iso-duration.ts';
import type { TrainingModuleDocument } from '../runbooks/training-schema.ts';
import { appendAudit } from './audit.ts';

/** Db or a transaction: anything that can read. */
export type Reader = Pick<Db, 'select'>;

export interface PublishedModule {
	name: string;
	version: number;
	/** False when the source equals the latest version's: publishing it again changes nothing. */
	created: boolean;
}

/**
 * Publishes a validated module as a new immutable version, as runbooks are published: the row is
 * created if missing and locked, so concurrent publishers get consecutive versions, and the same
 * source is not published twice.
 */
export async function publishTrainingModule(db: Db, document: TrainingModuleDocument, source: string, by: { id?: string; username: string; builtIn?: string }): Promise<PublishedModule> {
	const { name, title } = document.metadata;
	const sha256 = createHash('sha256').update(source).digest('hex');
	return db.transaction(async (tx) => {
		await tx.insert(trainingModules).values({ name, title, builtIn: by.builtIn ?? null }).onConflictDoNothing({ target: trainingModules.name });
		const [module] = await tx.select().from(trainingModules).where(eq(trainingModules.name, name)).for('update');
		if (module.latestVersion > 0) {
			const [latest] = await tx
				.select({ sha256: trainingModuleVersions.sha256 })
				.from(trainingModuleVersions)
				.where(and(eq(trainingModuleVersions.moduleId, module.id), eq(trainingModuleVersions.version, module.latestVersion)));
			if (latest?.sha256 === sha256) return { name, version: module.latestVersion, created: false };
		}
		const version = module.latestVersion + 1;
		await tx.insert(trainingModuleVersions).values({ moduleId: module.id, version, document, source, sha256, publishedBy: by.id ?? null });
		await tx.update(trainingModules).set({ latestVersion: version, title, updatedAt: new Date() }).where(eq(trainingModules.id, module.id));
		await appendAudit(tx, { actor: by.username, action: 'training.module.publish', subject: `training:${name}`, details: { version, sha256 } });
		return { name, version, created: true };
	});
}

export interface StoredModule {
	id: string;
	name: string;
	title: string;
	version: number;
	latestVersion: number;
	document: TrainingModuleDocument;
	publishedAt: Date;
}

/** A module at `version`, or at its latest. */
export async function getTrainingModule(db: Reader, name: string, version?: number): Promise<StoredModule | null> {
	const [row] = await db
		.select({
			id: trainingModules.id,
			name: trainingModules.name,
			title: trainingModules.title,
			latestVersion: trainingModules.latestVersion,
			version: trainingModuleVersions.version,
			document: trainingModuleVersions.document,
			publishedAt: trainingModuleVersions.publishedAt
		})
		.from(trainingModules)
		.innerJoin(trainingModuleVersions, eq(trainingModuleVersions.moduleId, trainingModules.id))
		.where(and(eq(trainingModules.name, name), eq(trainingModuleVersions.version, version ?? trainingModules.latestVersion)));
	// Documents were validated before they were stored, so they are read back as what they are.
	return row ? { ...row, document: row.document as unknown as TrainingModuleDocument } : null;
}

export async function getTrainingModuleById(db: Reader, id: string, version: number): Promise<StoredModule | null> {
	const [row] = await db.select({ name: trainingModules.name }).from(trainingModules).where(eq(trainingModules.id, id));
	return row ? getTrainingModule(db, row.name, version) : null;
}

export interface ModuleSummary {
	name: string;
	title: string;
	latestVersion: number;
	estimatedMinutes: number;
	audience: string[];
	validity: string | null;
	hasQuiz: boolean;
	builtIn: boolean;
}

export async function listTrainingModules(db: Db): Promise<ModuleSummary[]> {
	const rows = await db
		.select({ name: trainingModules.name, title: trainingModules.title, latestVersion: trainingModules.latestVersion, builtIn: trainingModules.builtIn, document: trainingModuleVersions.document })
		.from(trainingModules)
		.innerJoin(trainingModuleVersions, and(eq(trainingModuleVersions.moduleId, trainingModules.id), eq(trainingModuleVersions.version, trainingModules.latestVersion)))
		.orderBy(asc(trainingModules.title));
	return rows.map((row) => {
		const spec = (row.document as unknown as TrainingModuleDocument).spec;
		return {
			name: row.name,
			title: row.title,
			latestVersion: row.latestVersion,
			estimatedMinutes: spec.estimatedMinutes,
			audience: spec.audience,
			validity: spec.validity ?? null,
			hasQuiz: Boolean(spec.quiz),
			builtIn: row.builtIn !== null
		};
	});
}

/** The instants of one cycle: due, and the reminders before it that are still ahead (ascending). */
export function cyclePlan(document: TrainingModuleDocument, dueAt: Date, now: Date): { dueAt: number; reminderAt: number[] } {
	const reminderAt = [...new Set(document.spec.reminders.map((before) => addIsoDuration(dueAt, before, -1).getTime()))]
		.filter((at) => at > now.getTime() && at < dueAt.getTime())
		.sort((a, b) => a - b);
	return { dueAt: dueAt.getTime(), reminderAt };
}

/** When a completion at `completedAt` stops being current, or null when the module has no validity. */
export function expiryOf(document: TrainingModuleDocument, completedAt: Date): Date | null {
	return document.spec.validity ? addIsoDuration(completedAt, document.spec.validity) : null;
}

/** `P7D` from now, an ISO instant as given, or the module's own `due` from now. */
export function dueDate(document: TrainingModuleDocument, due: string | undefined, now: Date): Date {
	if (!due) return new Date(now.getTime() + isoDurationMs(document.spec.due, now));
	if (due.startsWith('P')) return addIsoDuration(now, due);
	return new Date(due);
}

export interface AssignmentView {
	id: string;
	module: string;
	moduleTitle: string;
	moduleVersion: number;
	user: string;
	userDisplayName: string;
	status: TrainingStatus;
	cycle: number;
	due: Date;
	source: string;
	assignedBy: string;
	startedAt: Date | null;
	completedAt: Date | null;
	score: number | null;
	timeSpentSeconds: number | null;
	expiresAt: Date | null;
	createdAt: Date;
}

const assignmentColumns = {
	id: trainingAssignments.id,
	module: trainingModules.name,
	moduleTitle: trainingModules.title,
	moduleVersion: trainingAssignments.moduleVersion,
	user: users.username,
	userDisplayName: users.displayName,
	status: trainingAssignments.status,
	cycle: trainingAssignments.cycle,
	due: trainingAssignments.dueAt,
	source: trainingAssignments.source,
	assignedBy: trainingAssignments.assignedBy,
	startedAt: trainingAssignments.startedAt,
	completedAt: trainingAssignments.completedAt,
	score: trainingAssignments.score,
	timeSpentSeconds: trainingAssignments.timeSpentSeconds,
	expiresAt: trainingAssignments.expiresAt,
	createdAt: trainingAssignments.createdAt
};

/** Open (not un-assigned) assignments, newest due first within status order; filtered by person and module. */
export async function listAssignments(db: Db, filter: { userId?: string; module?: string; role?: string; status?: TrainingStatus } = {}): Promise<AssignmentView[]> {
	return db
		.select(assignmentColumns)
		.from(trainingAssignments)
		.innerJoin(trainingModules, eq(trainingModules.id, trainingAssignments.moduleId))
		.innerJoin(users, eq(users.id, trainingAssignments.userId))
		.where(
			and(
				isNull(trainingAssignments.cancelledAt),
				filter.userId ? eq(trainingAssignments.userId, filter.userId) : undefined,
				filter.module ? eq(trainingModules.name, filter.module) : undefined,
				filter.status ? eq(trainingAssignments.status, filter.status) : undefined,
				filter.role ? inArray(trainingAssignments.userId, db.select({ id: userRoles.userId }).from(userRoles).where(sql`${userRoles.role}::text = ${filter.role}`)) : undefined
			)
		)
		.orderBy(asc(trainingAssignments.dueAt), asc(users.username), desc(trainingAssignments.createdAt));
}

export async function getAssignment(db: Db, id: string): Promise<(AssignmentView & { userId: string; moduleId: string }) | null> {
	const [row] = await db
		.select({ ...assignmentColumns, userId: trainingAssignments.userId, moduleId: trainingAssignments.moduleId })
		.from(trainingAssignments)
		.innerJoin(trainingModules, eq(trainingModules.id, trainingAssignments.moduleId))
		.innerJoin(users, eq(users.id, trainingAssignments.userId))
		.where(and(eq(trainingAssignments.id, id), isNull(trainingAssignments.cancelledAt)));
	return row ?? null;
}

/**
 * Whether the person holds a current completion of the module: completed, and not past its
 * validity. What training-gated rights ask.
 */
export async function hasCurrentTraining(db: Db, userId: string, moduleName: string, now = new Date()): Promise<boolean> {
	const [row] = await db
		.select({ id: trainingAssignments.id })
		.from(trainingAssignments)
		.innerJoin(trainingModules, eq(trainingModules.id, trainingAssignments.moduleId))
		.where(
			and(
				eq(trainingAssignments.userId, userId),
				eq(trainingModules.name, moduleName),
				isNull(trainingAssignments.cancelledAt),
				eq(trainingAssignments.status, 'completed'),
				sql`(${trainingAssignments.expiresAt} is null or ${trainingAssignments.expiresAt} > ${now})`
			)
		)
		.limit(1);
	return Boolean(row);
}
